import { summarizeOutages } from './outages.js';

const at = (pattern: string, stepMs = 20): { t: number; ok: boolean }[] => [...pattern].map((c, i) => ({ t: 1000 + i * stepMs, ok: c === '+' }));

describe('summarizeOutages', () => {
  test.each([
    ['', { total: 0, failed: 0, longestFailedRun: 0, longestGapMs: 0 }],
    ['++++', { total: 4, failed: 0, longestFailedRun: 0, longestGapMs: 0 }],
    // One failure between answers 40 ms apart.
    ['++-++', { total: 5, failed: 1, longestFailedRun: 1, longestGapMs: 40 }],
    // The longer of two runs counts, not their sum.
    ['+-+---+', { total: 7, failed: 4, longestFailedRun: 3, longestGapMs: 80 }],
    // A run at the start: from the first attempt; at the end: to the last one.
    ['--++', { total: 4, failed: 2, longestFailedRun: 2, longestGapMs: 40 }],
    ['++---', { total: 5, failed: 3, longestFailedRun: 3, longestGapMs: 60 }],
    ['---', { total: 3, failed: 3, longestFailedRun: 3, longestGapMs: 40 }],
  ])('%s', (pattern, want) => {
    expect(summarizeOutages(at(pattern))).toEqual(want);
  });

  test('attempts out of order are taken in time order', () => {
    const a = at('+--+');
    expect(summarizeOutages([a[3]!, a[1]!, a[0]!, a[2]!])).toEqual(summarizeOutages(a));
  });

  test('slow failures (timeouts) widen the gap, not the count', () => {
    const attempts = [{ t: 0, ok: true }, { t: 20, ok: false }, { t: 520, ok: false }, { t: 1020, ok: true }];
    expect(summarizeOutages(attempts)).toEqual({ total: 4, failed: 2, longestFailedRun: 2, longestGapMs: 1020 });
  });
});
