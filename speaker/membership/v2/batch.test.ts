// receiveMany, several datagrams read in one wake-up: the engine takes each in turn and does the
// work a change causes (own report, forwarding, the decision) once for the batch. The state after
// a batch must be the state after receive() of each datagram in turn. A twin engine (same name,
// boot id and key) receives every batch one datagram at a time, sees the same timer calls, and is
// compared with the batched engine after every batch, through randomized faults (seed printed):
// kills, restarts, SIGTERM, stalls, cut and one-way links, loss, peer-list changes. Each time, the
// engine's down set (kept up to date as reports arrive) must also equal decide.ts's decision
// computed from scratch over the reports it holds.
import { randomInt } from 'node:crypto';
import type { BatchStep, EngineStep, MembershipEngine, Outgoing, Received } from '../engine.js';
import type { ExpectedPeer, PeerAddress } from '../membership.js';
import { rng, SimNetwork, simNames } from '../sim/network.js';
import { V2Engine } from './engine.js';

const KEY = Buffer.from('batch-test-key-batch-test-key-32');
const OPTS = { keys: [KEY], intervalMs: 100, tickMs: 10, deadAfterMs: 500 };

const held = (e: V2Engine): string =>
  JSON.stringify(
    [...e.heldReports()]
      .map(([origin, s]) => [origin, [...s].sort()] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  );
const names = (s: ReadonlySet<string>): string => [...s].sort().join(',');

class Twin implements MembershipEngine {
  readonly self: string;
  readonly batched: V2Engine;
  readonly inTurn: V2Engine;
  multiBatches = 0;
  /** The expected names of the last peer list (this node included). */
  private names: string[] = [];

  constructor(
    self: string,
    now: number,
    private readonly mismatches: string[],
  ) {
    this.self = self;
    const bootId = randomInt(2 ** 40).toString(16).padStart(32, '0');
    this.batched = new V2Engine({ self, bootId, ...OPTS }, now);
    this.inTurn = new V2Engine({ self, bootId, ...OPTS }, now);
  }

  setPeers(peers: readonly ExpectedPeer[], now: number): EngineStep {
    this.names = [...new Set([...peers.map((p) => p.name), this.self])];
    this.inTurn.setPeers(peers, now);
    return this.batched.setPeers(peers, now);
  }

  receive(bytes: Uint8Array, from: PeerAddress, now: number): EngineStep {
    this.inTurn.receive(bytes, from, now);
    return this.batched.receive(bytes, from, now);
  }

  receiveMany(batch: readonly Received[], now: number): BatchStep {
    const before = new Set(this.batched.alive());
    const step = this.batched.receiveMany(batch, now);
    const rejected = batch.map((d) => this.inTurn.receive(d.bytes, d.from, now).rejected);
    if (batch.length > 1) this.multiBatches++;
    const where = `${this.self} at ${now} after a batch of ${batch.length}`;
    if (JSON.stringify(rejected) !== JSON.stringify(step.rejected)) this.mismatches.push(`${where}: rejections ${JSON.stringify(step.rejected)} vs ${JSON.stringify(rejected)}`);
    this.compare(where, now);
    // The changes of a batch are the net ones: exactly the difference of the alive sets.
    const after = this.batched.alive();
    const expected = [...[...before].filter((n) => !after.has(n)).map((n) => `-${n}`), ...[...after].filter((n) => !before.has(n)).map((n) => `+${n}`)].sort();
    const got = step.changes.map((c) => `${c.alive ? '+' : '-'}${c.peer}`).sort();
    if (expected.join() !== got.join()) this.mismatches.push(`${where}: changes ${got.join()} but the alive set moved by ${expected.join()}`);
    return step;
  }

  timer(now: number): EngineStep {
    this.inTurn.timer(now);
    const step = this.batched.timer(now);
    this.compare(`${this.self} at ${now} after a timer`, now);
    return step;
  }

  nextTimerAt(now: number): number {
    return Math.min(this.batched.nextTimerAt(now), this.inTurn.nextTimerAt(now));
  }

  leave(now: number): Outgoing[] {
    this.inTurn.leave(now);
    return this.batched.leave(now);
  }

  alive(): ReadonlySet<string> {
    return this.batched.alive();
  }

  settled(now: number): boolean {
    return this.batched.settled(now);
  }

  stalls(): number {
    return this.batched.stalls();
  }

  private compare(where: string, now: number): void {
    if (names(this.batched.alive()) !== names(this.inTurn.alive())) this.mismatches.push(`${where}: alive ${names(this.batched.alive())} vs ${names(this.inTurn.alive())}`);
    if (held(this.batched) !== held(this.inTurn)) this.mismatches.push(`${where}: held reports ${held(this.batched)} vs ${held(this.inTurn)}`);
    if (this.batched.settled(now) !== this.inTurn.settled(now)) this.mismatches.push(`${where}: settled differs`);
    // The decision kept up to date as reports arrive equals decide.ts's over everything held.
    const alive = this.batched.alive();
    const down = [...this.batched.specifiedDown()].filter((x) => this.names.includes(x)).sort();
    const notAlive = this.names.filter((x) => !alive.has(x)).sort();
    if (down.join() !== notAlive.join()) this.mismatches.push(`${where}: down ${notAlive.join()} but decide.ts gives ${down.join()}`);
  }
}

describe('membership v2: a batch of datagrams equals the same datagrams one by one', () => {
  it.each([5, 12, 30])('%i nodes under random faults: the same alive set, reports and settledness after every batch', (n) => {
    const seed = randomInt(2 ** 31);
    process.stdout.write(`batch.test: ${n} nodes, seed ${seed}\n`);
    const pick = rng(seed);
    const mismatches: string[] = [];
    const twins: Twin[] = [];
    const sim = new SimNetwork({
      names: simNames(n),
      seed,
      delayMs: 1 + Math.floor(pick() * 3),
      factory: (self, now) => {
        const t = new Twin(self, now, mismatches);
        twins.push(t);
        return t;
      },
    });
    // Staggered starts: the cold start is when most datagrams arrive together.
    for (const x of sim.nodes) {
      sim.start(x.name);
      sim.run(Math.floor(pick() * 40));
    }
    const any = (): string => (sim.nodes[Math.floor(pick() * n)] as { name: string }).name;
    const down = new Set<string>();
    let cut: [string, string, boolean] | null = null;
    for (let round = 0; round < 30 && mismatches.length === 0; round++) {
      const x = any();
      const fault = Math.floor(pick() * 8);
      if (fault === 0 && !down.has(x)) {
        sim.kill(x);
        down.add(x);
      } else if (fault === 1 && !down.has(x)) {
        sim.leave(x);
        down.add(x);
      } else if (fault === 2 && down.has(x)) {
        sim.start(x);
        down.delete(x);
      } else if (fault === 3 && !down.has(x)) {
        sim.stall(x, 200 + Math.floor(pick() * 800));
      } else if (fault === 4) {
        cut = [x, any(), pick() < 0.5];
      } else if (fault === 5) {
        cut = null;
      } else if (fault === 6) {
        sim.loss = pick() < 0.5 ? 0 : 0.02 + pick() * 0.1;
      } else {
        // A peer-list change: one node leaves the list for a while, then comes back.
        const without = sim.peers.filter((p) => p.name !== x);
        for (const r of sim.running()) r.engine?.setPeers(r.name === x ? sim.peers : without, sim.t);
        sim.run(50 + Math.floor(pick() * 400));
        for (const r of sim.running()) r.engine?.setPeers(sim.peers, sim.t);
      }
      const c = cut;
      sim.drop = c ? (f, t) => (f === c[0] && t === c[1]) || (c[2] && f === c[1] && t === c[0]) : () => false;
      sim.run(100 + Math.floor(pick() * 900));
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The comparison ran on real batches, not only on single datagrams.
    expect(twins.reduce((a, t) => a + t.multiBatches, 0)).toBeGreaterThan(n);
  });

  it('a cold start of 60 nodes sends fewer datagrams when each wake-up reads a batch, and ends in the same agreement', () => {
    const run = (oneByOne: boolean): { sent: number; alive: string[] } => {
      const sim = new SimNetwork({ names: simNames(60), seed: 7, oneByOne, factory: (self, now) => new V2Engine({ self, ...OPTS }, now) });
      for (const x of sim.nodes) {
        sim.start(x.name);
        sim.run(5);
      }
      sim.run(1500);
      return { sent: sim.nodes.reduce((a, x) => a + x.stats.sentDatagrams, 0), alive: sim.nodes.map((x) => names((x.engine as MembershipEngine).alive())) };
    };
    const batched = run(false);
    const single = run(true);
    expect(batched.sent).toBeLessThan(single.sent);
    expect(new Set([...batched.alive, ...single.alive]).size).toBe(1);
    expect(batched.alive[0]?.split(',').length).toBe(60);
  });
});

describe('membership v2: held reports and leaving marks', () => {
  it('a report is held everywhere while it lists a suspect, reaches a restarted node, and is gone everywhere once empty', () => {
    const sim = new SimNetwork({ names: simNames(12), seed: 3, factory: (self, now) => new V2Engine({ self, ...OPTS }, now) });
    sim.startAll();
    sim.run(1500);
    const [a, c] = ['node-0000', 'node-0005'];
    const b = (sim.engine(a) as V2Engine).neighbours().find((x) => x !== c) as string;
    sim.drop = (f, t) => f === b && t === a; // a stops hearing b
    sim.run(1000);
    const heldBy = (x: string): string => held(sim.engine(x) as V2Engine);
    const expected = JSON.stringify([[a, [b]]]);
    for (const x of sim.running()) expect(heldBy(x.name)).toBe(expected);
    sim.kill(c);
    sim.run(100);
    sim.start(c); // new boot id: its neighbours push what they hold
    sim.run(300);
    expect(heldBy(c)).toBe(expected);
    sim.drop = () => false;
    sim.run(1000);
    for (const x of sim.running()) expect(heldBy(x.name)).toBe('[]');
  });

  it('a node that leaves (SIGTERM) and is back 100 ms later with a new boot id is alive everywhere again at once', () => {
    const sim = new SimNetwork({ names: simNames(12), seed: 5, factory: (self, now) => new V2Engine({ self, ...OPTS }, now) });
    sim.startAll();
    sim.run(1500);
    const x = 'node-0004';
    sim.leave(x);
    sim.run(5);
    for (const r of sim.running()) expect(r.engine?.alive().has(x)).toBe(false);
    sim.run(95);
    sim.start(x);
    sim.run(150); // its first heartbeats, not the 2 x deadAfter after which a mark lapses anyway
    for (const r of sim.running()) if (r.name !== x) expect(r.engine?.alive().has(x)).toBe(true);
  });
});
