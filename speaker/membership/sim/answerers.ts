// Who would answer ARP for each VIP in a simulated cluster: a node answers for a VIP when it runs,
// is not stalled, counts itself alive, and the election (ownerFor's ranking) over its alive set
// names it. Recomputed only for nodes whose alive set changed, so it scales to thousands of nodes.
import { rankCandidates } from '../../election/rank.js';
import type { SimNetwork } from './network.js';

export class AnswerTracker {
  /** Longest run (ms) in which some VIP had two or more answerers / none, since reset(). */
  maxTwo = 0;
  maxNone = 0;
  private readonly ranking: string[][];
  private readonly owned = new Map<string, Set<number>>();
  private readonly count: number[];
  private readonly twoSince: (number | null)[];
  private readonly noneSince: (number | null)[];
  private readonly dirty = new Set<string>();

  constructor(
    private readonly sim: SimNetwork,
    readonly vips: readonly string[],
  ) {
    const names = sim.nodes.map((n) => n.name);
    this.ranking = vips.map((v) => rankCandidates(v, names));
    this.count = vips.map(() => 0);
    this.twoSince = vips.map(() => null);
    this.noneSince = vips.map(() => null);
    for (const n of names) this.dirty.add(n);
    sim.onRunState = (name) => this.dirty.add(name);
  }

  /** The node's alive set (or running state) changed. */
  touch(name: string): void {
    this.dirty.add(name);
  }

  reset(): void {
    this.maxTwo = 0;
    this.maxNone = 0;
    this.twoSince.fill(null);
    this.noneSince.fill(null);
    for (const n of this.sim.nodes) this.dirty.add(n.name);
    this.update();
  }

  answerers(vipIndex: number): string[] {
    return [...this.owned].filter(([, s]) => s.has(vipIndex)).map(([n]) => n);
  }

  /** Call once per simulated ms (after sim.step()). */
  update(): void {
    const t = this.sim.t;
    for (const name of this.dirty) {
      const before = this.owned.get(name) ?? new Set<number>();
      const after = this.ownedBy(name);
      for (const v of before) if (!after.has(v)) this.count[v] = (this.count[v] as number) - 1;
      for (const v of after) if (!before.has(v)) this.count[v] = (this.count[v] as number) + 1;
      this.owned.set(name, after);
    }
    this.dirty.clear();
    for (let v = 0; v < this.vips.length; v++) {
      const c = this.count[v] as number;
      const two = this.twoSince[v] ?? null;
      if (c >= 2) {
        if (two === null) this.twoSince[v] = t;
        else this.maxTwo = Math.max(this.maxTwo, t - two);
      } else this.twoSince[v] = null;
      const none = this.noneSince[v] ?? null;
      if (c === 0) {
        if (none === null) this.noneSince[v] = t;
        else this.maxNone = Math.max(this.maxNone, t - none);
      } else this.noneSince[v] = null;
    }
  }

  private ownedBy(name: string): Set<number> {
    const out = new Set<number>();
    const node = this.sim.node(name);
    const e = node.engine;
    if (!e || this.sim.t < node.stalledUntil || !e.settled(this.sim.t)) return out;
    const alive = e.alive();
    if (!alive.has(name)) return out;
    this.ranking.forEach((rank, v) => {
      const owner = rank.find((n) => alive.has(n));
      if (owner === name) out.add(v);
    });
    return out;
  }
}
