import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const policy = { initialMs: 200, maxMs: 30_000 };
  it.each([
    [0, 0.999, 199],
    [1, 0.999, 399],
    [3, 0.999, 1598],
    [20, 0.999, 29_970],
    [100, 0.999, 29_970],
    [5, 0, 100],
  ])('attempt %d with random %d waits %d ms', (attempt, random, want) => {
    expect(backoffDelay(policy, attempt, random)).toBe(want);
  });
});
