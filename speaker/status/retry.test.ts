import { CONFLICT_RETRY_MS, FAILURE_RETRY_MAX_MS, statusRetryDelay } from './retry.js';

describe('statusRetryDelay', () => {
  it.each([
    ['conflict', 1, CONFLICT_RETRY_MS],
    ['conflict', 9, CONFLICT_RETRY_MS],
    ['failure', 1, 1_000],
    ['failure', 2, 2_000],
    ['failure', 4, 8_000],
    ['failure', 6, 32_000],
    ['failure', 7, FAILURE_RETRY_MAX_MS],
    ['failure', 50, FAILURE_RETRY_MAX_MS],
  ] as const)('%s after %d failing passes: %d ms', (kind, failures, ms) => {
    expect(statusRetryDelay(kind, failures)).toBe(ms);
  });
});
