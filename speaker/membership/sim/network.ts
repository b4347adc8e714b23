// A simulated network of speakers in one process: the real engines (codec, HMAC, rules) of N nodes
// exchange real datagrams over a fake millisecond clock, with delay, random loss, one-way cuts,
// partitions, kills and stalls. Each engine's timer runs when the engine says something is due
// (nextTimerAt), as in the UDP shell. It measures what each node spends (wall time inside its engine
// calls, datagrams and bytes in and out) and records every membership change, so tests and the
// membership-scale benchmark read agreement, detection times and false deaths from the same run.
import type { MembershipEngine, EngineStep, Outgoing } from '../engine.js';
import type { ExpectedPeer, MembershipChange } from '../membership.js';

/** Deterministic PRNG (mulberry32): a failing run is replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type EngineFactory = (self: string, now: number) => MembershipEngine;

export interface SimOptions {
  readonly names: readonly string[];
  readonly factory: EngineFactory;
  /**
   * Also call every engine's timer every millisecond, not only when it is due (tests of
   * nextTimerAt: a call before it must find nothing to do).
   */
  readonly timerEveryMs?: boolean;
  /** One-way delay of every datagram, in whole ms (>= 1). */
  readonly delayMs?: number;
  readonly seed?: number;
  /** Measure wall time inside engine calls (costs two clock reads per call). */
  readonly measureCpu?: boolean;
}

export interface NodeStats {
  cpuMs: number;
  sentDatagrams: number;
  sentBytes: number;
  receivedDatagrams: number;
  receivedBytes: number;
  rejected: number;
  largestDatagram: number;
}

interface SimNode {
  readonly name: string;
  readonly index: number;
  readonly peer: ExpectedPeer;
  engine: MembershipEngine | null;
  stalledUntil: number;
  /** When the engine's timer is next due (engine.nextTimerAt after its last timer call). */
  timerAt: number;
  stats: NodeStats;
  /** Held in the socket while the process is stalled. */
  held: Packet[];
}

interface Packet {
  readonly from: number;
  readonly to: number;
  readonly bytes: Buffer;
}

export interface ChangeRecord extends MembershipChange {
  readonly observer: string;
  readonly t: number;
}

const emptyStats = (): NodeStats => ({ cpuMs: 0, sentDatagrams: 0, sentBytes: 0, receivedDatagrams: 0, receivedBytes: 0, rejected: 0, largestDatagram: 0 });

export class SimNetwork {
  t = 0;
  readonly nodes: SimNode[];
  readonly peers: ExpectedPeer[];
  /** Random loss probability per datagram. */
  loss = 0;
  /** Extra drop rule (cuts, partitions); true drops the datagram. */
  drop: (from: string, to: string, t: number) => boolean = () => false;
  /** Called with every change any node reports. */
  onChange: ((c: ChangeRecord) => void) | null = null;
  /** Called when a node starts, stops, stalls or wakes (what it answers may change). */
  onRunState: ((name: string) => void) | null = null;
  private readonly byName = new Map<string, SimNode>();
  private readonly byHost = new Map<string, SimNode>();
  private readonly queue = new Map<number, Packet[]>();
  private readonly rand: () => number;
  private readonly delayMs: number;
  private readonly timerEveryMs: boolean;
  private readonly measure: boolean;
  private readonly factory: EngineFactory;

  constructor(opts: SimOptions) {
    this.rand = rng(opts.seed ?? 1);
    this.delayMs = Math.max(1, Math.round(opts.delayMs ?? 1));
    this.timerEveryMs = opts.timerEveryMs ?? false;
    this.measure = opts.measureCpu ?? false;
    this.factory = opts.factory;
    this.peers = opts.names.map((name, i) => ({ name, host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 7946 }));
    this.nodes = this.peers.map((peer, index) => ({
      name: peer.name,
      index,
      peer,
      engine: null,
      stalledUntil: 0,
      timerAt: 0,
      stats: emptyStats(),
      held: [],
    }));
    for (const n of this.nodes) {
      this.byName.set(n.name, n);
      this.byHost.set(n.peer.host, n);
    }
  }

  node(name: string): SimNode {
    const n = this.byName.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  engine(name: string): MembershipEngine {
    const e = this.node(name).engine;
    if (!e) throw new Error(`${name} is not running`);
    return e;
  }

  running(): SimNode[] {
    return this.nodes.filter((n) => n.engine !== null);
  }

  /** Starts (or restarts, with a new engine and so a new boot id) a node with the full peer list. */
  start(name: string): void {
    const n = this.node(name);
    n.engine = this.factory(name, this.t);
    n.held = [];
    n.stalledUntil = 0;
    this.apply(n, () => (n.engine as MembershipEngine).setPeers(this.peers, this.t));
    this.scheduleTimer(n);
    this.onRunState?.(name);
  }

  startAll(): void {
    for (const n of this.nodes) this.start(n.name);
  }

  /** SIGKILL: the process is gone, datagrams to it are lost. */
  kill(name: string): void {
    const n = this.node(name);
    n.engine = null;
    n.held = [];
    this.onRunState?.(name);
  }

  /** SIGTERM: leaving datagrams go out, then the process is gone. */
  leave(name: string): void {
    const n = this.node(name);
    if (!n.engine) return;
    const e = n.engine;
    const out = this.timed(n, () => e.leave(this.t));
    this.transmit(n, out);
    n.engine = null;
    this.onRunState?.(name);
  }

  stall(name: string, ms: number): void {
    this.node(name).stalledUntil = this.t + ms;
    this.onRunState?.(name);
  }

  /** Zeroes the per-node counters; the largest datagram is kept (it is over the whole run). */
  resetStats(): void {
    for (const n of this.nodes) n.stats = { ...emptyStats(), largestDatagram: n.stats.largestDatagram };
  }

  run(ms: number, each?: (t: number) => void): void {
    const end = this.t + ms;
    while (this.t < end) {
      this.step();
      each?.(this.t);
    }
  }

  /** Runs until cond holds (checked every ms) or maxMs passes; returns whether it held. */
  runUntil(cond: () => boolean, maxMs: number): boolean {
    const end = this.t + maxMs;
    while (this.t < end) {
      this.step();
      if (cond()) return true;
    }
    return false;
  }

  step(): void {
    this.t++;
    const due = this.queue.get(this.t);
    if (due) {
      this.queue.delete(this.t);
      for (const p of due) this.deliver(p);
    }
    for (const n of this.nodes) {
      if (!n.engine) continue;
      if (this.t < n.stalledUntil) continue;
      if (this.t === n.stalledUntil) this.onRunState?.(n.name);
      if (n.held.length > 0) {
        const held = n.held;
        n.held = [];
        for (const p of held) this.deliver(p);
        if (!n.engine) continue;
      }
      if (this.t < n.timerAt && !this.timerEveryMs) continue;
      const e = n.engine;
      this.apply(n, () => e.timer(this.t));
      this.scheduleTimer(n);
    }
  }

  /** As the UDP shell: the next timer call when the engine next has something due, at least 1 ms on. */
  private scheduleTimer(n: SimNode): void {
    const e = n.engine;
    if (e) n.timerAt = Math.max(this.t + 1, Math.ceil(this.timed(n, () => e.nextTimerAt(this.t))));
  }

  private deliver(p: Packet): void {
    const n = this.nodes[p.to] as SimNode;
    if (!n.engine) return;
    if (this.t < n.stalledUntil) {
      n.held.push(p);
      return;
    }
    n.stats.receivedDatagrams++;
    n.stats.receivedBytes += p.bytes.length;
    const e = n.engine;
    const from = (this.nodes[p.from] as SimNode).peer;
    const step = this.apply(n, () => e.receive(p.bytes, from, this.t));
    if (step.rejected !== undefined) n.stats.rejected++;
  }

  private timed<T>(n: SimNode, f: () => T): T {
    if (!this.measure) return f();
    const t0 = performance.now();
    const r = f();
    n.stats.cpuMs += performance.now() - t0;
    return r;
  }

  private apply(n: SimNode, f: () => EngineStep): EngineStep {
    const step = this.timed(n, f);
    for (const c of step.changes) this.onChange?.({ ...c, observer: n.name, t: this.t });
    this.transmit(n, step.send);
    return step;
  }

  private transmit(n: SimNode, out: readonly Outgoing[]): void {
    for (const d of out) {
      n.stats.sentDatagrams++;
      n.stats.sentBytes += d.bytes.length;
      if (d.bytes.length > n.stats.largestDatagram) n.stats.largestDatagram = d.bytes.length;
      const to = this.byHost.get(d.to.host);
      if (!to) continue;
      if (this.loss > 0 && this.rand() < this.loss) continue;
      if (this.drop(n.name, to.name, this.t)) continue;
      const at = this.t + this.delayMs;
      let list = this.queue.get(at);
      if (!list) this.queue.set(at, (list = []));
      list.push({ from: n.index, to: to.index, bytes: d.bytes });
    }
  }
}

/** Node names n0000, n0001, ...: valid Kubernetes names of equal length. */
export const simNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${String(i).padStart(4, '0')}`);
