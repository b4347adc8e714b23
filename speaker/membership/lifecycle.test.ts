import { EventEmitter } from 'node:events';
import { createLogger } from '../../shared/log.js';
import { MembershipLifecycle, type Heartbeats, type StartHeartbeats } from './lifecycle.js';
import type { ExpectedPeer } from './membership.js';
import { membershipMetrics } from './metrics.js';
import { Registry } from 'prom-client';

/** A heartbeat thread stand-in: records its key, its peers and whether it was stopped. */
class FakeThread extends EventEmitter implements Heartbeats {
  peers: readonly ExpectedPeer[] = [];
  stopped = false;
  isSettled = false;
  constructor(readonly key: string) {
    super();
  }
  setPeers(peers: readonly ExpectedPeer[]): void {
    this.peers = peers;
  }
  alive(): ReadonlySet<string> {
    return new Set(['self']);
  }
  settled(): boolean {
    return this.isSettled;
  }
  async stop(): Promise<void> {
    await Promise.resolve();
    this.stopped = true;
  }
}

/** Starts complete only when the test says so (as a thread's socket binding takes a while). */
function starter(): { start: StartHeartbeats; threads: FakeThread[]; finishNext: () => Promise<void>; maxRunning: () => number } {
  const threads: FakeThread[] = [];
  const pending: Array<() => void> = [];
  let peak = 0;
  const start: StartHeartbeats = (opts) =>
    new Promise((resolve) => {
      pending.push(() => {
        const t = new FakeThread(opts.keys[0]!.toString('base64'));
        threads.push(t);
        peak = Math.max(peak, threads.filter((x) => !x.stopped).length);
        resolve(t);
      });
    });
  const finishNext = async (): Promise<void> => {
    for (let i = 0; i < 10 && pending.length === 0; i++) await Promise.resolve();
    const next = pending.shift();
    if (!next) throw new Error('no start in progress');
    next();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { start, threads, finishNext, maxRunning: () => peak };
}

const options = {
  self: 'a',
  port: 0,
  metrics: membershipMetrics(new Registry()),
  logger: createLogger('error', {}, () => undefined),
};
const k = (s: string): string => Buffer.from(s).toString('base64');

describe('MembershipLifecycle', () => {
  test('no key, no thread; the first key starts one, with the peers known so far', async () => {
    const s = starter();
    const m = new MembershipLifecycle(options, s.start);
    m.setPeers([{ name: 'b', host: '10.0.0.2', port: 7947 }]);
    await m.setKey('');
    expect(m.active).toBe(false);
    const started = m.setKey(k('one'));
    await s.finishNext();
    await started;
    expect(m.active).toBe(true);
    expect(s.threads.map((t) => t.key)).toEqual([k('one')]);
    expect(s.threads[0]!.peers).toEqual([{ name: 'b', host: '10.0.0.2', port: 7947 }]);
  });

  test('two quick rotations never start two threads; an outdated key is skipped; the latest wins', async () => {
    const s = starter();
    const m = new MembershipLifecycle(options, s.start);
    const changes: number[] = [];
    m.on('change', () => changes.push(1));
    const first = m.setKey(k('one'));
    await s.finishNext();
    await first;
    // Rotated twice while the restart is under way.
    const second = m.setKey(k('two'));
    const third = m.setKey(k('three'));
    expect(second).toBe(third); // one loop applies both
    await s.finishNext();
    await third;
    expect(s.threads.map((t) => t.key)).toEqual([k('one'), k('three')]);
    expect(s.threads.map((t) => t.stopped)).toEqual([true, false]);
    expect(s.maxRunning()).toBe(1);
    expect(changes).toHaveLength(2);
  });

  test('a rotation while a start is in progress: the started thread is replaced, never two at once', async () => {
    const s = starter();
    const m = new MembershipLifecycle(options, s.start);
    const loop = m.setKey(k('one'));
    m.setKey(k('two')); // before 'one' has even started
    await s.finishNext(); // 'one' starts...
    await s.finishNext(); // ...is stopped, and 'two' starts
    await loop;
    expect(s.threads.map((t) => [t.key, t.stopped])).toEqual([
      [k('one'), true],
      [k('two'), false],
    ]);
    expect(s.maxRunning()).toBe(1);
  });

  test('events of a replaced thread are ignored; settled and failed of the current one come through', async () => {
    const s = starter();
    const m = new MembershipLifecycle(options, s.start);
    const seen: string[] = [];
    m.on('change', () => seen.push('change'));
    m.on('settled', () => seen.push('settled'));
    m.on('failed', (e) => seen.push(`failed ${e.message}`));
    let p = m.setKey(k('one'));
    await s.finishNext();
    await p;
    p = m.setKey(k('two'));
    await s.finishNext();
    await p;
    seen.length = 0;
    const [old, current] = s.threads;
    old!.emit('change', { peer: 'x', alive: false });
    old!.emit('settled');
    old!.emit('failed', new Error('old'));
    current!.emit('settled');
    current!.emit('failed', new Error('boom'));
    expect(seen).toEqual(['settled', 'failed boom']);
  });

  test('stop waits for a start in progress and stops what it started; no thread starts after', async () => {
    const s = starter();
    const m = new MembershipLifecycle(options, s.start);
    void m.setKey(k('one'));
    const stopping = m.stop({ leaving: true });
    await s.finishNext();
    await stopping;
    expect(s.threads.map((t) => t.stopped)).toEqual([true]);
    await m.setKey(k('two'));
    expect(s.threads).toHaveLength(1);
    expect(m.active).toBe(false);
  });

  test('a thread that cannot start is a failure', async () => {
    const m = new MembershipLifecycle(options, () => Promise.reject(new Error('cannot bind')));
    const failed: string[] = [];
    m.on('failed', (e) => failed.push(e.message));
    await m.setKey(k('one'));
    expect(failed).toEqual(['cannot bind']);
    expect(m.active).toBe(false);
  });
});
