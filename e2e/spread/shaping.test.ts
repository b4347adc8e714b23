import { benchShaping, SHAPED_PULL, tbfBurstBytes, UPLINK_MBIT } from './dr-lab.js';

describe('tbfBurstBytes', () => {
  it.each([
    // A 64 KiB GSO packet must fit whole, whatever the rate.
    { mbit: 1, want: 128 * 1024 },
    { mbit: 20, want: 128 * 1024 },
    { mbit: 40, want: 128 * 1024 },
    // Above ~42 Mbit/s, 25 ms at the rate is the larger.
    { mbit: 100, want: 312_500 },
    { mbit: 1000, want: 3_125_000 },
  ])('$mbit Mbit/s: $want bytes', ({ mbit, want }) => {
    expect(tbfBurstBytes(mbit)).toBe(want);
  });
});

describe('benchShaping', () => {
  it('defaults to the shared shaping and pull', () => {
    expect(benchShaping({})).toEqual({ mbit: UPLINK_MBIT, pull: SHAPED_PULL });
  });
  it('takes the rate, parallel pulls and seconds from the environment, the rest stays', () => {
    expect(benchShaping({ SPREAD_BENCH_MBIT: '40', SPREAD_BENCH_PARALLEL: '24', SPREAD_BENCH_SECONDS: '5' })).toEqual({
      mbit: 40,
      pull: { ...SHAPED_PULL, parallel: 24, seconds: 5 },
    });
  });
  it('refuses a value that is not a positive number', () => {
    expect(() => benchShaping({ SPREAD_BENCH_MBIT: 'fast' })).toThrow(/SPREAD_BENCH_MBIT=fast/);
    expect(() => benchShaping({ SPREAD_BENCH_PARALLEL: '0' })).toThrow(/SPREAD_BENCH_PARALLEL/);
  });
});
