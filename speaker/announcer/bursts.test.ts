import { jest } from '@jest/globals';
import { BurstTicker } from './bursts.js';

describe('BurstTicker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Records (key, ms since the test started) for every send. */
  function recorder(): { sends: Array<[string, number]>; send: (key: string) => () => void } {
    const t0 = Date.now();
    const sends: Array<[string, number]> = [];
    return { sends, send: (key) => () => sends.push([key, Date.now() - t0]) };
  }

  test('sends at once, then every interval for the given rounds, then stops', () => {
    const r = recorder();
    const ticker = new BurstTicker(1_100, 4);
    ticker.start('a', r.send('a'));
    expect(r.sends).toEqual([['a', 0]]);
    jest.advanceTimersByTime(1_099);
    expect(r.sends).toHaveLength(1);
    jest.advanceTimersByTime(20_000);
    expect(r.sends).toEqual([['a', 0], ['a', 1_100], ['a', 2_200], ['a', 3_300], ['a', 4_400]]);
    expect(ticker.active).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a thousand bursts share one timer, and those started together go out together', () => {
    const r = recorder();
    const ticker = new BurstTicker(1_000, 2);
    for (let i = 0; i < 1_000; i++) ticker.start(`v${i}`, r.send(`v${i}`));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(400);
    ticker.start('late', r.send('late'));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(600);
    expect(r.sends.filter(([, t]) => t === 1_000)).toHaveLength(1_000);
    jest.advanceTimersByTime(400);
    expect(r.sends.filter(([k]) => k === 'late').map(([, t]) => t)).toEqual([400, 1_400]);
    jest.advanceTimersByTime(10_000);
    expect(r.sends).toHaveLength(3 * 1_001);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('stop ends one burst and leaves the others; the last stop clears the timer', () => {
    const r = recorder();
    const ticker = new BurstTicker(1_000, 3);
    ticker.start('a', r.send('a'));
    ticker.start('b', r.send('b'));
    jest.advanceTimersByTime(1_000);
    ticker.stop('a');
    jest.advanceTimersByTime(10_000);
    expect(r.sends.filter(([k]) => k === 'a')).toHaveLength(2);
    expect(r.sends.filter(([k]) => k === 'b')).toHaveLength(4);
    ticker.start('c', r.send('c'));
    ticker.stop('c');
    expect(jest.getTimerCount()).toBe(0);
  });

  test('starting a running burst again starts it over (the interface was reopened)', () => {
    const r = recorder();
    const ticker = new BurstTicker(1_000, 2);
    ticker.start('a', r.send('a'));
    jest.advanceTimersByTime(1_500);
    ticker.start('a', r.send('a'));
    jest.advanceTimersByTime(10_000);
    expect(r.sends.map(([, t]) => t)).toEqual([0, 1_000, 1_500, 2_500, 3_500]);
  });

  test('a late wakeup never sends two rounds of one burst closer than the interval', () => {
    const r = recorder();
    const ticker = new BurstTicker(1_000, 3);
    ticker.start('a', r.send('a'));
    // A busy event loop: the timer fires 700 ms late.
    jest.advanceTimersByTime(999);
    const spin = Date.now() + 700;
    jest.setSystemTime(spin);
    jest.advanceTimersByTime(10_000);
    const times = r.sends.map(([, t]) => t);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000);
    expect(times).toHaveLength(4);
  });

  test('close drops every burst and its timer', () => {
    const r = recorder();
    const ticker = new BurstTicker(1_000, 5);
    ticker.start('a', r.send('a'));
    ticker.close();
    jest.advanceTimersByTime(10_000);
    expect(r.sends).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('zero rounds: one send, no timer', () => {
    const r = recorder();
    new BurstTicker(1_000, 0).start('a', r.send('a'));
    expect(r.sends).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});
