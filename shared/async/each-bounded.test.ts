import { eachBounded } from './each-bounded.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('eachBounded', () => {
  it.each([
    { items: 0, width: 4, maxInFlight: 0 },
    { items: 3, width: 8, maxInFlight: 3 },
    { items: 20, width: 1, maxInFlight: 1 },
    { items: 20, width: 4, maxInFlight: 4 },
  ])('$items items, width $width: every item once, in order of start, at most $maxInFlight in flight', async ({ items, width, maxInFlight }) => {
    const started: number[] = [];
    let inFlight = 0;
    let peak = 0;
    await eachBounded(Array.from({ length: items }, (_, i) => i), width, async (i) => {
      started.push(i);
      peak = Math.max(peak, ++inFlight);
      await tick();
      inFlight--;
    });
    expect(started).toEqual(Array.from({ length: items }, (_, i) => i));
    expect(peak).toBe(maxInFlight);
  });

  it('rejects with the first failure', async () => {
    await expect(eachBounded([1, 2, 3], 2, async (i) => { if (i === 2) throw new Error('two'); })).rejects.toThrow('two');
  });

  it.each([0, -1, 1.5])('refuses width %p', async (width) => {
    await expect(eachBounded([1], width, async () => undefined)).rejects.toThrow(RangeError);
  });
});
