import { WorkQueue, type WorkResult } from './work-queue.js';

const policy = { initialMs: 10, maxMs: 100 };
const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('processes a key queued many times once, in first-queued order', async () => {
    const seen: string[] = [];
    let release: (() => void) | undefined;
    const q = new WorkQueue(async (k) => {
      seen.push(k);
      if (k === 'x') await new Promise<void>((r) => (release = r));
      return 'done';
    }, { concurrency: 1, backoff: policy });
    q.add('x'); // occupies the only worker while the others queue up
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.length).toBe(3);
    release!();
    await q.idle();
    expect(seen).toEqual(['x', 'a', 'b', 'c']);
  });

  it('never runs one key twice at once, but reruns a key re-added while in flight', async () => {
    let concurrentA = 0;
    let maxConcurrentA = 0;
    let runsA = 0;
    let release: (() => void) | undefined;
    const q = new WorkQueue(async (k) => {
      if (k === 'a') {
        runsA++;
        concurrentA++;
        maxConcurrentA = Math.max(maxConcurrentA, concurrentA);
        if (runsA === 1) await new Promise<void>((r) => (release = r));
        concurrentA--;
      }
      return 'done';
    }, { concurrency: 4, backoff: policy });
    q.add('a');
    await tick();
    q.add('a');
    q.add('b');
    await tick();
    expect(runsA).toBe(1);
    release!();
    await q.idle();
    expect(runsA).toBe(2);
    expect(maxConcurrentA).toBe(1);
  });

  it('retries a failing key with backoff until it succeeds', async () => {
    const attempts: number[] = [];
    const t0 = Date.now();
    const q = new WorkQueue(async (): Promise<WorkResult> => {
      attempts.push(Date.now() - t0);
      return attempts.length < 3 ? 'retry' : 'done';
    }, { concurrency: 1, backoff: policy, random: () => 0.999 });
    q.add('k');
    for (let i = 0; i < 50 && attempts.length < 3; i++) await tick(5);
    expect(attempts).toHaveLength(3);
    // 10 ms then 20 ms ceilings (jitter pinned near the ceiling)
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(8);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(17);
    expect(q.pendingRetries).toBe(0);
  });

  it('treats a throwing worker as a retry and clear() drops scheduled retries', async () => {
    let calls = 0;
    const q = new WorkQueue(async () => {
      calls++;
      throw new Error('boom');
    }, { concurrency: 1, backoff: { initialMs: 50, maxMs: 50 }, random: () => 0.999 });
    q.add('k');
    await q.idle();
    expect(q.pendingRetries).toBe(1);
    q.clear();
    await tick(80);
    expect(calls).toBe(1);
  });

  it('starts nothing while held, lets work in flight finish, and runs what was queued once on release', async () => {
    const seen: string[] = [];
    let finish: (() => void) | undefined;
    const q = new WorkQueue(async (k) => {
      seen.push(k);
      if (k === 'x') await new Promise<void>((r) => (finish = r));
      return 'done';
    }, { concurrency: 4, backoff: policy });
    q.add('x');
    q.hold();
    for (const k of ['a', 'b', 'a']) q.add(k);
    await tick(20);
    expect(seen).toEqual(['x']);
    finish!();
    await tick(20);
    expect(seen).toEqual(['x']);
    expect(q.held).toBe(true);
    expect(q.length).toBe(2);
    q.release();
    await q.idle();
    expect(seen).toEqual(['x', 'a', 'b']);
  });
});
