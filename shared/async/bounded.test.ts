import { BoundedQueue, eachBounded } from './bounded.js';

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

  it('rejects with the first failure, after every item has run', async () => {
    const ran: number[] = [];
    await expect(
      eachBounded([1, 2, 3, 4], 2, async (i) => {
        ran.push(i);
        if (i === 2) throw new Error('two');
      }),
    ).rejects.toThrow('two');
    expect(ran).toEqual([1, 2, 3, 4]);
  });

  it.each([0, -1, 1.5])('refuses width %p', async (width) => {
    await expect(eachBounded([1], width, async () => undefined)).rejects.toThrow(RangeError);
  });
});

describe('BoundedQueue', () => {
  it('runs every task, never more than the limit at once, in order, and reports failures without stopping', async () => {
    const errors: unknown[] = [];
    const q = new BoundedQueue({ concurrency: 3, onError: (e) => errors.push(e) });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    for (let i = 0; i < 20; i++) {
      q.push(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        if (i % 5 === 0) throw new Error('API said no');
      });
    }
    expect(q.pending).toBe(20);
    await q.idle();
    expect(q.pending).toBe(0);
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(errors).toHaveLength(4);
  });

  it('drops (and counts) tasks beyond the queue bound instead of growing without limit', async () => {
    const q = new BoundedQueue({ concurrency: 1, maxQueued: 2, onError: () => undefined });
    let ran = 0;
    const accepted = Array.from({ length: 5 }, () => q.push(async () => void ran++));
    // One runs at once, two wait, two are dropped.
    expect(accepted).toEqual([true, true, true, false, false]);
    expect(q.dropped).toBe(2);
    await q.idle();
    expect(ran).toBe(3);
  });

  it('idle() resolves at once when nothing is queued', async () => {
    await new BoundedQueue({ concurrency: 1, onError: () => undefined }).idle();
  });
});
