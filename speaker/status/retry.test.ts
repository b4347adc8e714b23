import { CONFLICT_RETRY_MS, STATUS_FAILURE_BACKOFF, statusRetryDelay } from './retry.js';

describe('statusRetryDelay', () => {
  const almostOne = 1 - 1e-9;
  it.each([
    ['conflict', 1, 0.5, CONFLICT_RETRY_MS],
    ['conflict', 9, 0.5, CONFLICT_RETRY_MS],
    // Full jitter: up to the ceiling (1 s, doubling per failing pass, capped), never below half the first delay.
    ['failure', 1, almostOne, 999],
    ['failure', 2, almostOne, 1_999],
    ['failure', 4, almostOne, 7_999],
    ['failure', 7, almostOne, STATUS_FAILURE_BACKOFF.maxMs - 1],
    ['failure', 50, almostOne, STATUS_FAILURE_BACKOFF.maxMs - 1],
    ['failure', 4, 0.5, 4_000],
    ['failure', 4, 0, STATUS_FAILURE_BACKOFF.initialMs / 2],
  ] as const)('%s after %d failing passes, jitter %d: %d ms', (kind, failures, random, ms) => {
    expect(statusRetryDelay(kind, failures, random)).toBe(ms);
  });
});
