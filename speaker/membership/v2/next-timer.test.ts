// nextTimerAt, the promise that lets the UDP shell sleep between heartbeat rounds instead of waking
// every tick: a timer call before the promised time must find nothing to do (no datagram to send,
// no change to report), whatever arrived in between. The simulated network calls every engine's
// timer every millisecond here; a checker plays the shell (it takes a new promise only from a call
// at or after the last one) and records any early call that did work. Faults cover every deadline
// the engines keep: the starting window, silences (kills, a cut, loss), stall graces, leaving marks,
// restarts, and a rolling upgrade from version 1. Version 1 judges silences on a tick (any call
// may find one, as it always did), so a speaker deciding by version 1's rules is not held to it.
import type { BilingualEngine } from '../bilingual.js';
import { createEngine, type WireVersion } from '../create-engine.js';
import type { EngineStep, MembershipEngine, Outgoing } from '../engine.js';
import type { ExpectedPeer, PeerAddress } from '../membership.js';
import { SimNetwork, simNames } from '../sim/network.js';
import { V1Engine } from '../v1-engine.js';

const KEY = Buffer.from('next-timer-test-key-next-timer-3');
const INTERVAL = 100;
const DEAD_AFTER = 500;

class PromiseChecker implements MembershipEngine {
  readonly self: string;
  private promised = Number.NEGATIVE_INFINITY;
  dueCalls = 0;
  readonly broken: string[] = [];

  constructor(readonly inner: MembershipEngine) {
    this.self = inner.self;
  }

  setPeers(peers: readonly ExpectedPeer[], now: number): EngineStep {
    const step = this.inner.setPeers(peers, now);
    this.promised = this.inner.nextTimerAt(now);
    return step;
  }

  receive(bytes: Uint8Array, from: PeerAddress, now: number): EngineStep {
    return this.inner.receive(bytes, from, now);
  }

  timer(now: number): EngineStep {
    const step = this.inner.timer(now);
    const ticking = this.inner instanceof V1Engine || (this.inner as { speaking?: () => string }).speaking?.() === 'v1';
    if (now < this.promised && !ticking) {
      if (step.changes.length > 0 || step.send.length > 0) {
        this.broken.push(`${this.self} at ${now} (promised ${this.promised}): ${step.send.length} datagrams, changes ${JSON.stringify(step.changes.map((c) => [c.peer, c.alive]))}`);
      }
      return step;
    }
    if (now < this.promised) return step;
    this.dueCalls++;
    this.promised = this.inner.nextTimerAt(now);
    return step;
  }

  nextTimerAt(now: number): number {
    return this.inner.nextTimerAt(now);
  }

  leave(now: number): Outgoing[] {
    return this.inner.leave(now);
  }

  alive(): ReadonlySet<string> {
    return this.inner.alive();
  }

  settled(now: number): boolean {
    return this.inner.settled(now);
  }

  stalls(): number {
    return this.inner.stalls();
  }
}

function checkedCluster(n: number, version: (name: string) => WireVersion, seed: number): { sim: SimNetwork; checkers: PromiseChecker[] } {
  const checkers: PromiseChecker[] = [];
  const sim = new SimNetwork({
    names: simNames(n),
    seed,
    timerEveryMs: true,
    factory: (self, now) => {
      const c = new PromiseChecker(createEngine(version(self), { self, keys: [KEY], intervalMs: INTERVAL, tickMs: 10, deadAfterMs: DEAD_AFTER }, now));
      checkers.push(c);
      return c;
    },
  });
  return { sim, checkers };
}

describe('nextTimerAt: nothing is due before the promised time', () => {
  it('40 version 2 nodes through start, kills, a cut, loss, stalls, leaving and restarts', () => {
    const seed = 11;
    const { sim, checkers } = checkedCluster(40, () => 'v2', seed);
    const names = sim.nodes.map((x) => x.name);
    // A rolling start, as a DaemonSet's pods come up.
    for (const name of names) {
      sim.start(name);
      sim.run(7);
    }
    sim.run(2000);
    sim.kill(names[3] as string);
    sim.run(1500);
    sim.drop = (f, t) => (f === names[5] && t === names[6]) || t === names[7];
    sim.run(2000);
    sim.drop = () => false;
    sim.loss = 0.05;
    sim.run(3000);
    sim.loss = 0;
    sim.stall(names[9] as string, 300);
    // A neighbour dying during a stall is judged when the stall's grace ends.
    sim.stall(names[10] as string, 800);
    const dying = ((sim.engine(names[10] as string) as PromiseChecker).inner as BilingualEngine).v2.neighbours().find((x) => x !== names[9] && x !== names[3]) as string;
    sim.kill(dying);
    sim.run(2000);
    for (const node of sim.running()) expect((node.engine as MembershipEngine).alive().has(dying)).toBe(false);
    sim.start(dying);
    sim.leave(names[12] as string);
    sim.run(1500);
    sim.start(names[12] as string);
    sim.start(names[3] as string);
    sim.run(3000);
    expect(checkers.flatMap((c) => c.broken)).toEqual([]);
    for (const node of sim.running()) expect((node.engine as MembershipEngine).alive().size).toBe(40);
  });

  it('a rolling upgrade: version 1 speakers among version 2 ones, then replaced', () => {
    const names = simNames(6);
    const versions = new Map<string, WireVersion>(names.map((x, i) => [x, i < 2 ? 'v1' : 'v2']));
    const { sim, checkers } = checkedCluster(6, (name) => versions.get(name) ?? 'v2', 5);
    sim.startAll();
    sim.run(3000);
    sim.kill(names[4] as string);
    sim.run(1500);
    for (const name of names.slice(0, 2)) {
      sim.leave(name);
      versions.set(name, 'v2');
      sim.run(1000);
      sim.start(name);
      sim.run(2000);
    }
    sim.run(8000);
    // The killed one stays dead; everyone decides by version 2 again, so the last 8 s were checked.
    for (const node of sim.running()) {
      const e = (node.engine as PromiseChecker).inner;
      expect(e.alive().size).toBe(5);
      expect((e as unknown as { speaking: () => string }).speaking()).toBe('v2');
    }
    expect(checkers.flatMap((c) => c.broken)).toEqual([]);
  });

  it('an idle version 2 speaker is due about once per heartbeat interval, not every tick', () => {
    const { sim, checkers } = checkedCluster(20, () => 'v2', 3);
    sim.startAll();
    sim.run(2000);
    const before = checkers.map((c) => c.dueCalls);
    sim.run(10_000);
    const perSecond = checkers.map((c, i) => (c.dueCalls - (before[i] ?? 0)) / 10);
    // One round per interval (10/s); a 10 ms tick would be 100/s.
    for (const rate of perSecond) expect(rate).toBeLessThanOrEqual(1000 / INTERVAL + 1);
  });
});
