import { defaultElectorTiming } from './elector.js';
import { electorTimingProblems } from './timing.js';

describe('electorTimingProblems', () => {
  it('accepts the client-go defaults and short test timings', () => {
    expect(electorTimingProblems(defaultElectorTiming)).toEqual([]);
    expect(electorTimingProblems({ leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 })).toEqual([]);
  });
  it.each([
    [{ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }, '--lease-duration (10000 ms) must be greater than --renew-deadline'],
    [{ leaseDurationMs: 15_000, renewDeadlineMs: 2000, retryPeriodMs: 2000 }, '--renew-deadline (2000 ms) must be greater than 1.2 x --retry-period'],
    [{ leaseDurationMs: 2500, renewDeadlineMs: 2000, retryPeriodMs: 500 }, 'must be whole seconds'],
  ])('rejects %j', (timing, message) => {
    const problems = electorTimingProblems(timing);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});
