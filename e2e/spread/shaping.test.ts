import { benchShaping, cpuBusySince, SHAPED_PULL, tbfBurstBytes, UPLINK_MBIT } from './dr-lab.js';

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

describe('cpuBusySince', () => {
  it('is the busy share of the time between the samples, idle and iowait not busy', () => {
    const stats = [
      'cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n',
      // +300 user, +20 system, +60 softirq, +100 idle, +20 iowait: 380 busy of 500.
      'cpu  400 0 70 900 70 0 60 0 0 0\ncpu0 200 0 35 450 35 0 30 0 0 0\n',
    ];
    let i = 0;
    const busy = cpuBusySince(() => stats[Math.min(i++, 1)]!);
    expect(busy()).toBeCloseTo(380 / 500, 10);
  });
  it('is 0 when no time passed', () => {
    const busy = cpuBusySince(() => 'cpu  1 2 3 4 5 6 7 8 0 0\n');
    expect(busy()).toBe(0);
  });
});
