import { jest } from '@jest/globals';
import { IDLE_FACTOR, pacedDelay, Pacer } from './pacer.js';

describe('pacedDelay', () => {
  it.each([
    { last: 0, since: 0, want: 0, why: 'no election yet' },
    { last: Number.NaN, since: 0, want: 0, why: 'unknown duration' },
    { last: 1, since: 0, want: IDLE_FACTOR, why: 'a cheap election: a few ms at most' },
    { last: 250, since: 0, want: 750, why: 'an expensive one just ended: wait out the duty cycle' },
    { last: 250, since: 500, want: 250, why: 'part of it has passed' },
    { last: 250, since: 750, want: 0, why: 'all of it has passed' },
    { last: 250, since: 10_000, want: 0, why: 'long ago' },
    { last: 0.4, since: 0, want: 2, why: 'rounded up to whole ms' },
  ])('$why: last $last ms, $since ms ago -> $want ms', ({ last, since, want }) => {
    expect(pacedDelay(last, since)).toBe(want);
  });

  it('keeps elections to at most 1 / (1 + IDLE_FACTOR) of the time under a stream of changes', () => {
    let now = 0;
    let busy = 0;
    let lastMs = 0;
    let lastEnd = 0;
    for (let i = 0; i < 1000; i++) {
      now += pacedDelay(lastMs, now - lastEnd); // a change arrives at once after each election
      lastMs = 200;
      now += lastMs;
      busy += lastMs;
      lastEnd = now;
    }
    expect(busy / now).toBeLessThanOrEqual(1 / (1 + IDLE_FACTOR) + 0.001);
  });
});

describe('Pacer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs at once when nothing has run yet, even when paced', () => {
    let runs = 0;
    new Pacer(() => runs++).request('paced');
    expect(runs).toBe(1);
  });

  it('after a slow pass, paced requests wait for the duty cycle and share one run', () => {
    let runs = 0;
    const p = new Pacer(() => runs++);
    p.took(20); // the next paced pass waits IDLE_FACTOR * 20 ms
    for (let i = 0; i < 5; i++) p.request('paced');
    jest.advanceTimersByTime(IDLE_FACTOR * 20 - 1);
    expect(runs).toBe(0);
    jest.advanceTimersByTime(1);
    expect(runs).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(runs).toBe(1);
  });

  it('a request for now runs at once and replaces a waiting paced run', () => {
    let runs = 0;
    const p = new Pacer(() => runs++);
    p.took(20);
    p.request('paced');
    p.request('now');
    expect(runs).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(runs).toBe(1);
  });

  it('cancel drops a waiting run', () => {
    let runs = 0;
    const p = new Pacer(() => runs++);
    p.took(10);
    p.request('paced');
    p.cancel();
    jest.advanceTimersByTime(10_000);
    expect(runs).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
