// The version 2 rules on a simulated network with a fake millisecond clock: real engines, real
// codec and HMAC (sim/network.ts). Each test states a fault and what every speaker must conclude;
// the answer tracker checks the consequence that matters, how many speakers answer for each VIP.
import { createEngine, type WireVersion } from '../create-engine.js';
import type { MembershipEngine } from '../engine.js';
import { AnswerTracker } from '../sim/answerers.js';
import { SimNetwork, simNames, type ChangeRecord } from '../sim/network.js';
import { MAX_DATAGRAM_BYTES } from './codec.js';
import { V2Engine } from './engine.js';

const KEY = Buffer.from('rules-test-key-rules-test-key-32');
const INTERVAL = 100;
const TICK = 10;
const DEAD_AFTER = 500;
const VIPS = Array.from({ length: 40 }, (_, i) => `192.0.2.${i + 1}`);

interface Cluster {
  sim: SimNetwork;
  tracker: AnswerTracker;
  records: ChangeRecord[];
  run: (ms: number) => void;
  aliveEverywhere: () => ReadonlySet<string>[];
}

function cluster(n: number, opts: { seed?: number; version?: (name: string) => WireVersion; keys?: (name: string) => Uint8Array[] } = {}): Cluster {
  const seed = opts.seed ?? 1;
  const sim = new SimNetwork({
    names: simNames(n),
    seed,
    factory: (self, now) => createEngine(opts.version?.(self) ?? 'v2', { self, keys: opts.keys?.(self) ?? [KEY], intervalMs: INTERVAL, tickMs: TICK, deadAfterMs: DEAD_AFTER }, now),
  });
  const tracker = new AnswerTracker(sim, VIPS);
  const records: ChangeRecord[] = [];
  sim.onChange = (c) => {
    records.push(c);
    tracker.touch(c.observer);
  };
  sim.startAll();
  const run = (ms: number): void => sim.run(ms, () => tracker.update());
  run(1500);
  tracker.reset();
  return { sim, tracker, records, run, aliveEverywhere: () => sim.running().map((x) => (x.engine as MembershipEngine).alive()) };
}

const deathsOf = (records: readonly ChangeRecord[], from: number): ChangeRecord[] => records.slice(from).filter((r) => !r.alive);
const sorted = (s: ReadonlySet<string>): string[] => [...s].sort();
const v2 = (e: MembershipEngine): V2Engine => ((e as { v2?: V2Engine }).v2 ?? e) as V2Engine;

describe('membership v2: steady state', () => {
  it.each([3, 9, 10, 40])('%i nodes: everyone alive everywhere, at most 8 neighbours, symmetric, datagrams under 1,200 bytes', (n) => {
    const c = cluster(n);
    const from = c.records.length;
    c.run(5000);
    expect(deathsOf(c.records, from)).toEqual([]);
    for (const a of c.aliveEverywhere()) expect(a.size).toBe(n);
    for (const node of c.sim.nodes) {
      const nb = v2(node.engine as MembershipEngine).neighbours();
      expect(nb.length).toBeLessThanOrEqual(8);
      expect(nb.length).toBeGreaterThanOrEqual(Math.min(n - 1, 2));
      for (const x of nb) expect(v2(c.sim.engine(x)).neighbours()).toContain(node.name);
      expect(node.stats.largestDatagram).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    }
    expect(c.tracker.maxTwo).toBe(0);
    expect(c.tracker.maxNone).toBe(0);
  });
});

describe('membership v2: faults that must change nothing', () => {
  it.each([3, 40])('%i nodes: one lossy link (60 % both ways, seed 7) kills nobody', (n) => {
    const c = cluster(n, { seed: 7 });
    const [a, b] = [c.sim.nodes[0]?.name as string, v2(c.sim.engine(c.sim.nodes[0]?.name as string)).neighbours()[0] as string];
    let s = 7;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    c.sim.drop = (f, t) => ((f === a && t === b) || (f === b && t === a)) && rand() < 0.6;
    const from = c.records.length;
    c.run(30_000);
    expect(deathsOf(c.records, from)).toEqual([]);
    expect(c.tracker.maxTwo).toBe(0);
  });

  it.each([3, 40])('%i nodes: a cut link and a one-way cut kill nobody', (n) => {
    const c = cluster(n);
    const a = c.sim.nodes[1]?.name as string;
    const b = v2(c.sim.engine(a)).neighbours()[0] as string;
    const from = c.records.length;
    c.sim.drop = (f, t) => (f === a && t === b) || (f === b && t === a);
    c.run(5000);
    c.sim.drop = (f, t) => f === b && t === a;
    c.run(5000);
    expect(deathsOf(c.records, from)).toEqual([]);
    expect(c.tracker.maxTwo).toBe(0);
    expect(c.tracker.maxNone).toBe(0);
  });

  it('a 300 ms stall of one speaker is invisible; after a 700 ms stall it does not grab VIPs', () => {
    const c = cluster(10);
    const a = c.sim.nodes[2]?.name as string;
    let from = c.records.length;
    c.sim.stall(a, 300);
    c.run(3000);
    expect(deathsOf(c.records, from)).toEqual([]);
    from = c.records.length;
    c.sim.stall(a, 700);
    c.run(4000);
    // The others rightly moved a's VIPs away and back; a itself never declared anyone dead.
    expect(deathsOf(c.records, from).filter((r) => r.observer === a && r.peer !== a)).toEqual([]);
    expect(c.tracker.maxTwo).toBeLessThanOrEqual(2 * TICK);
  });
});

describe('membership v2: deaths', () => {
  it.each([3, 10, 40, 200])('%i nodes: a kill is agreed by every survivor about deadAfter after the last heartbeat; VIPs never have two answerers', (n) => {
    const c = cluster(n);
    const victim = c.sim.nodes[Math.floor(n / 2)]?.name as string;
    const t0 = c.sim.t;
    c.sim.kill(victim);
    c.tracker.touch(victim);
    c.run(1500);
    const survivors = c.sim.running().map((x) => x.name);
    const seen = new Map(c.records.filter((r) => r.peer === victim && !r.alive && r.t > t0).map((r) => [r.observer, r.t - t0]));
    expect(sorted(new Set(seen.keys()))).toEqual([...survivors].sort());
    const times = [...seen.values()];
    expect(Math.max(...times)).toBeLessThanOrEqual(DEAD_AFTER + 2 * TICK + 10);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(10);
    expect(c.tracker.maxTwo).toBe(0);
    expect(c.tracker.maxNone).toBeLessThanOrEqual(DEAD_AFTER + 2 * TICK + 10);
  });

  it('3 nodes: two simultaneous deaths leave the last speaker alive with every VIP', () => {
    const c = cluster(3);
    const [a, b, s] = c.sim.nodes.map((x) => x.name) as [string, string, string];
    c.sim.kill(a);
    c.sim.kill(b);
    c.tracker.touch(a);
    c.tracker.touch(b);
    c.run(1500);
    expect(sorted(c.sim.engine(s).alive())).toEqual([s]);
    expect(c.tracker.answerers(0)).toEqual([s]);
  });

  it('40 nodes: two neighbours killed at once are both agreed dead', () => {
    const c = cluster(40);
    const a = c.sim.nodes[5]?.name as string;
    const b = v2(c.sim.engine(a)).neighbours()[0] as string;
    c.sim.kill(a);
    c.sim.kill(b);
    c.tracker.touch(a);
    c.tracker.touch(b);
    c.run(1000);
    for (const alive of c.aliveEverywhere()) {
      expect(alive.has(a)).toBe(false);
      expect(alive.has(b)).toBe(false);
      expect(alive.size).toBe(38);
    }
    expect(c.tracker.maxTwo).toBe(0);
  });

  it.each([3, 40])('%i nodes: a node nobody hears is dropped by everyone, itself included, at the same moment', (n) => {
    const c = cluster(n);
    const x = c.sim.nodes[1]?.name as string;
    const t0 = c.sim.t;
    c.sim.drop = (f) => f === x;
    c.run(2000);
    for (const node of c.sim.running()) expect((node.engine as MembershipEngine).alive().has(x)).toBe(false);
    const times = c.records.filter((r) => r.peer === x && !r.alive && r.t > t0).map((r) => r.t);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(10);
    expect(c.tracker.maxTwo).toBeLessThanOrEqual(10);
  });

  it('40 nodes: a node that hears nobody kills nobody and keeps its own VIPs', () => {
    const c = cluster(40);
    const x = c.sim.nodes[3]?.name as string;
    const from = c.records.length;
    c.sim.drop = (_f, t) => t === x;
    c.run(5000);
    expect(deathsOf(c.records, from)).toEqual([]);
    expect(c.tracker.maxTwo).toBe(0);
  });

  it('3 nodes: a node that hears nobody but is heard: everyone agrees it is alone (one answerer per VIP, all on it)', () => {
    const c = cluster(3);
    const x = c.sim.nodes[0]?.name as string;
    c.sim.drop = (_f, t) => t === x;
    c.run(3000);
    for (const alive of c.aliveEverywhere()) expect(sorted(alive)).toEqual([x]);
    c.tracker.reset();
    c.run(1000);
    expect(c.tracker.maxTwo).toBe(0);
    expect(c.tracker.maxNone).toBe(0);
    expect(c.tracker.answerers(3)).toEqual([x]);
  });
});

describe('membership v2: returns, leaving, restarts', () => {
  it('a killed node restarted (new boot id) is taken back everywhere; a quick restart is never a death', () => {
    const c = cluster(40);
    const x = c.sim.nodes[7]?.name as string;
    c.sim.kill(x);
    c.tracker.touch(x);
    c.run(1500);
    for (const alive of c.aliveEverywhere()) expect(alive.has(x)).toBe(false);
    c.sim.start(x);
    c.tracker.touch(x);
    c.run(1000);
    for (const alive of c.aliveEverywhere()) expect(alive.size).toBe(40);
    const from = c.records.length;
    c.sim.kill(x);
    c.run(150);
    c.sim.start(x);
    c.run(2000);
    expect(deathsOf(c.records, from)).toEqual([]);
  });

  it('leaving (SIGTERM): everyone drops the node within milliseconds, VIPs never have two answerers', () => {
    const c = cluster(40);
    const x = c.sim.nodes[9]?.name as string;
    const t0 = c.sim.t;
    c.sim.leave(x);
    c.tracker.touch(x);
    c.run(1000);
    const times = c.records.filter((r) => r.peer === x && !r.alive).map((r) => r.t - t0);
    expect(times).toHaveLength(39);
    expect(Math.max(...times)).toBeLessThanOrEqual(3);
    expect(c.tracker.maxTwo).toBe(0);
    expect(c.tracker.maxNone).toBeLessThanOrEqual(3);
  });
});

describe('membership v2: partitions', () => {
  it('40 nodes split in halves: each half answers for every VIP while split, one answerer soon after healing', () => {
    const c = cluster(40);
    const half = new Set(c.sim.nodes.slice(0, 20).map((x) => x.name));
    c.sim.drop = (f, t) => half.has(f) !== half.has(t);
    c.run(3000);
    for (const node of c.sim.running()) {
      const alive = (node.engine as MembershipEngine).alive();
      const mine = [...alive].filter((x) => half.has(x) === half.has(node.name)).length;
      expect(mine).toBe(20);
      // The other half is (almost) all dead: nodes with no neighbour across the cut stay listed.
      expect(alive.size - mine).toBeLessThanOrEqual(4);
    }
    c.sim.drop = () => false;
    c.tracker.reset();
    c.run(3000);
    for (const alive of c.aliveEverywhere()) expect(alive.size).toBe(40);
    // After healing: mutual reports clear within an interval, the flood within milliseconds.
    expect(c.tracker.maxTwo).toBeLessThanOrEqual(INTERVAL + 3 * TICK);
  });
});

describe('membership v2: authentication and replay', () => {
  function pair(): { a: V2Engine; b: V2Engine; peers: { name: string; host: string; port: number }[] } {
    const peers = ['a', 'b', 'c'].map((name, i) => ({ name, host: `10.0.0.${i + 1}`, port: 7946 }));
    const a = new V2Engine({ self: 'a', keys: [KEY], intervalMs: INTERVAL, tickMs: TICK, deadAfterMs: DEAD_AFTER }, 0);
    const b = new V2Engine({ self: 'b', keys: [KEY], intervalMs: INTERVAL, tickMs: TICK, deadAfterMs: DEAD_AFTER }, 0);
    a.setPeers(peers, 0);
    b.setPeers(peers, 0);
    return { a, b, peers };
  }
  const fromA = { host: '10.0.0.1', port: 7946 };

  it('replays are refused; so is an old boot id after a restart', () => {
    const { a, b, peers } = pair();
    const d = a.timer(100).send.find((x) => x.to.name === 'b')?.bytes as Buffer;
    expect(b.receive(d, fromA, 101).rejected).toBeUndefined();
    expect(b.receive(d, fromA, 102).rejected).toBe('replay');
    const a2 = new V2Engine({ self: 'a', keys: [KEY], intervalMs: INTERVAL, tickMs: TICK }, 200);
    a2.setPeers(peers, 200);
    const fresh = a2.timer(300).send.find((x) => x.to.name === 'b')?.bytes as Buffer;
    expect(b.receive(fresh, fromA, 301).rejected).toBeUndefined();
    const older = a.timer(400).send.find((x) => x.to.name === 'b')?.bytes as Buffer;
    expect(b.receive(older, fromA, 401).rejected).toBe('stale-boot');
  });

  it('forged datagrams (a flipped byte, a wrong key, a wrong source) are refused', () => {
    const { a, b } = pair();
    const d = a.timer(100).send.find((x) => x.to.name === 'b')?.bytes as Buffer;
    for (let i = 0; i < d.length; i += 7) {
      const bad = Buffer.from(d);
      bad[i] = (bad[i] as number) ^ 0x40;
      expect(b.receive(bad, fromA, 101).rejected).toMatch(/bad-mac|bad-magic|bad-version/);
    }
    const other = new V2Engine({ self: 'a', keys: [Buffer.from('another-key-another-key-another-')], intervalMs: INTERVAL, tickMs: TICK }, 0);
    other.setPeers([{ name: 'b', host: '10.0.0.2', port: 7946 }], 0);
    const forged = other.timer(100).send[0]?.bytes as Buffer;
    expect(b.receive(forged, fromA, 102).rejected).toBe('bad-mac');
    expect(b.receive(d, { host: '10.0.0.9', port: 7946 }, 103).rejected).toBe('address-mismatch');
  });

  it('key rotation: speakers holding [new, old] and [old] keep hearing each other while the new key spreads', () => {
    const OLD = KEY;
    const NEW = Buffer.from('rotated-key-rotated-key-rotated-');
    // Half the cluster already signs with the new key and still accepts the old one.
    const c = cluster(12, { keys: (name) => (Number(name.slice(-2)) % 2 === 0 ? [NEW, OLD] : [OLD]) });
    const from = c.records.length;
    c.run(3000);
    // Old-key speakers cannot verify new signatures: those links look cut, one way. Nobody dies.
    expect(deathsOf(c.records, from)).toEqual([]);
  });
});

describe('membership: mixed cluster during a rolling upgrade from version 1', () => {
  it('two version 1 speakers and one version 2: one rule set, no flapping; a kill is agreed; the last v1 gone, v2 rules take over without a move', () => {
    const names = simNames(3);
    const versions = new Map<string, WireVersion>([[names[0] as string, 'v1'], [names[1] as string, 'v1'], [names[2] as string, 'v2']]);
    const c = cluster(3, { version: (name) => versions.get(name) ?? 'v2' });
    let from = c.records.length;
    c.run(10_000);
    expect(deathsOf(c.records, from)).toEqual([]);
    for (const alive of c.aliveEverywhere()) expect(alive.size).toBe(3);
    expect(c.tracker.maxTwo).toBe(0);
    expect(c.tracker.maxNone).toBe(0);
    // Upgrade the v1 speakers one by one (SIGTERM, start as v2).
    for (const name of names.slice(0, 2)) {
      c.sim.leave(name);
      versions.set(name, 'v2');
      c.run(2000);
      c.sim.start(name);
      c.run(3000);
    }
    from = c.records.length;
    c.tracker.reset();
    c.run(10_000);
    for (const node of c.sim.running()) expect((node.engine as unknown as { speaking: () => string }).speaking()).toBe('v2');
    expect(deathsOf(c.records, from)).toEqual([]);
    expect(c.tracker.maxTwo).toBe(0);
    expect(c.tracker.maxNone).toBe(0);
  });
});
