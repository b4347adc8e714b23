// Three speakers running wire version 1 on the simulated network (sim/network.ts: fake
// millisecond clock, real codec, HMAC and Membership, the UDP shell's timing) and the election's
// ranking: for a set of VIPs the answer tracker (sim/answerers.ts) records, every millisecond, how
// many running speakers would answer ARP for each VIP, and we check that windows with two
// answerers or none stay within bounds under lossy links, deaths, restarts and stalls.
import type { Membership } from './membership.js';
import { AnswerTracker } from './sim/answerers.js';
import { rng, SimNetwork } from './sim/network.js';
import { V1Engine } from './v1-engine.js';

const KEY = Buffer.from('simulation-key-simulation-key-32');
const INTERVAL = 100;
const TICK = 10;
const DEAD_AFTER = 500;
/** One-way delay of every datagram (the simulated network's default). */
const LATENCY = 1;
const NAMES = ['a', 'b', 'c'] as const;
type Name = (typeof NAMES)[number];
const VIPS = Array.from({ length: 30 }, (_, i) => `192.0.2.${i + 1}`);

interface Windows {
  /** Longest run (ms) in which some VIP had two or more answerers. */
  maxTwo: number;
  /** Longest run (ms) in which some VIP had no answerer. */
  maxNone: number;
  /** Per VIP, how many times its sole answerer changed. */
  moves: Map<string, number>;
}

/** The three speakers on the simulated network, with the answer tracker and per-VIP moves. */
class Sim {
  readonly net: SimNetwork;
  private readonly tracker: AnswerTracker;
  /** The last sole answerer of each VIP (kept across resetWindows: a move is relative to it). */
  private readonly sole = new Map<string, string>();
  private moves = new Map<string, number>();

  constructor() {
    this.net = new SimNetwork({
      names: NAMES,
        delayMs: LATENCY,
      factory: (self, now) => new V1Engine({ self, keys: [KEY], intervalMs: INTERVAL, tickMs: TICK, deadAfterMs: DEAD_AFTER }, now),
    });
    this.tracker = new AnswerTracker(this.net, VIPS);
    this.net.onChange = (c) => this.tracker.touch(c.observer);
    this.net.startAll();
  }

  get t(): number {
    return this.net.t;
  }

  set drop(rule: (from: string, to: string, t: number) => boolean) {
    this.net.drop = rule;
  }

  get windows(): Windows {
    return { maxTwo: this.tracker.maxTwo, maxNone: this.tracker.maxNone, moves: this.moves };
  }

  /** A running speaker's membership (throws when it is not running). */
  membership(name: Name): Membership {
    return (this.net.engine(name) as V1Engine).protocol.membership;
  }

  start = (name: Name): void => this.net.start(name);
  kill = (name: Name): void => this.net.kill(name);
  leave = (name: Name): void => this.net.leave(name);
  stall = (name: Name, ms: number): void => this.net.stall(name, ms);

  /** Runs `ms` more simulated milliseconds. */
  run(ms: number, during?: (t: number) => void): void {
    this.net.run(ms, (t) => {
      this.tracker.update();
      this.recordMoves();
      during?.(t);
    });
  }

  answerers(vip: string): string[] {
    return this.tracker.answerers(VIPS.indexOf(vip));
  }

  resetWindows(): void {
    this.tracker.reset();
    this.moves = new Map();
  }

  private recordMoves(): void {
    VIPS.forEach((vip, i) => {
      const a = this.tracker.answerers(i);
      if (a.length !== 1) return;
      const now = a[0] as string;
      const before = this.sole.get(vip);
      if (now === before) return;
      if (before !== undefined) this.moves.set(vip, (this.moves.get(vip) ?? 0) + 1);
      this.sole.set(vip, now);
    });
  }
}

const link = (x: Name, y: Name) => (from: string, to: string) => (from === x && to === y) || (from === y && to === x);

describe('agreement among three speakers (simulated network, fake clock)', () => {
  it('steady state: exactly one answerer per VIP, VIPs spread over all nodes', () => {
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    sim.run(10_000);
    expect(sim.windows).toEqual({ maxTwo: 0, maxNone: 0, moves: new Map() });
    expect(new Set(VIPS.map((v) => sim.answerers(v)[0])).size).toBe(3);
  });

  it('a cut link between two nodes changes nothing: each learns of the other through the third', () => {
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    const cut = link('a', 'b');
    sim.drop = (f, t) => cut(f, t);
    sim.run(12_000);
    // Direct evidence alone would disagree: a no longer hears b...
    expect(sim.membership('a').view(sim.t).map((e) => e.node)).toEqual(['c']);
    // ...but every speaker still sees all three, so no VIP ever had two answerers or none.
    for (const n of NAMES) expect(sim.membership(n).alive()).toEqual(new Set(NAMES));
    expect(sim.windows).toEqual({ maxTwo: 0, maxNone: 0, moves: new Map() });
  });

  it('a one-way loss (b to a) changes nothing either', () => {
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    sim.drop = (f, t) => f === 'b' && t === 'a';
    sim.run(12_000);
    expect(sim.windows).toEqual({ maxTwo: 0, maxNone: 0, moves: new Map() });
  });

  // How long a VIP goes unanswered depends on which heartbeats the loss pattern drops: over eight
  // loss seeds the longest gap was 0 to 284 ms. What the rules bound is that a disagreement about
  // who is alive ends within deadAfter (heartbeats relayed through c keep a and b alive), so that is
  // the bound here, over the two seeds with the longest gaps seen.
  it.each([4, 5])('lossy links (60%% a-b, 20%% a-c, loss seed %i) never leave a VIP with two answerers, nor none for longer than deadAfter', (seed) => {
    const rand = rng(seed);
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    sim.drop = (f, t) => {
      if (link('a', 'b')(f, t)) return rand() < 0.6;
      if (link('a', 'c')(f, t)) return rand() < 0.2;
      return false;
    };
    sim.run(61_000);
    expect(sim.windows.maxTwo).toBe(0);
    expect(sim.windows.maxNone).toBeLessThan(DEAD_AFTER);
  });

  it('a node whose sending is broken withdraws itself as the others drop it', () => {
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    sim.drop = (f) => f === 'b';
    sim.run(5000);
    // b still hears a and c, so it would keep answering for its VIPs without rule 6.
    expect(sim.membership('b').alive()).toEqual(new Set(['a', 'c']));
    // It drops itself at the moment the others drop it (both from the same last evidence).
    expect(sim.windows.maxTwo).toBeLessThanOrEqual(TICK);
    expect(sim.windows.maxNone).toBeLessThanOrEqual(TICK);
  });

  it('owner killed silently: no answerer for at most deadAfter + one tick, never two; back once on return', () => {
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    const vip = VIPS.find((v) => sim.answerers(v)[0] === 'b') as string;
    sim.kill('b');
    sim.run(3000);
    expect(sim.windows.maxTwo).toBe(0);
    expect(sim.windows.maxNone).toBeGreaterThan(DEAD_AFTER - INTERVAL);
    expect(sim.windows.maxNone).toBeLessThanOrEqual(DEAD_AFTER + TICK + LATENCY);
    expect(sim.answerers(vip)).toHaveLength(1);
    sim.resetWindows();
    sim.start('b'); // the old owner comes back (new boot id)
    sim.run(8000);
    expect(sim.answerers(vip)).toEqual(['b']);
    for (const moves of sim.windows.moves.values()) expect(moves).toBeLessThanOrEqual(1);
    expect(sim.windows.maxTwo).toBeLessThanOrEqual(2 * LATENCY);
    expect(sim.windows.maxNone).toBeLessThanOrEqual(2 * LATENCY);
  });

  it('owner leaving (SIGTERM): VIPs move within milliseconds', () => {
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    sim.leave('c');
    sim.run(3000);
    expect(sim.windows.maxTwo).toBe(0);
    expect(sim.windows.maxNone).toBeLessThanOrEqual(2 * LATENCY);
  });

  it('a 700 ms stall of one speaker: it does not grab the others’ VIPs when it wakes', () => {
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    sim.stall('a', 700);
    const aAlive: number[] = [];
    sim.run(4000, () => aAlive.push(sim.membership('a').alive().size));
    // a's view never lost its peers (grace after the stall), while the others rightly moved a's
    // VIPs away during the stall and back once a spoke again.
    expect(Math.min(...aAlive)).toBe(3);
    expect(sim.windows.maxTwo).toBeLessThanOrEqual(2 * LATENCY);
    expect(sim.windows.maxNone).toBeLessThanOrEqual(DEAD_AFTER + TICK + LATENCY);
  });

  it('a 300 ms stall is invisible to everyone', () => {
    const sim = new Sim();
    sim.run(1000);
    sim.resetWindows();
    sim.stall('a', 300);
    sim.run(3000);
    expect(sim.windows.maxTwo).toBe(0);
    for (const moves of sim.windows.moves.values()) expect(moves).toBe(0);
  });
});
