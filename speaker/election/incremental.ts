// The election kept up to date across membership changes at O(VIPs a change affects), not a full
// re-rank. A full election at 1,000 nodes and 10,000 VIPs hashes 10 million (node, VIP) pairs;
// but when only the alive set changes, the owner of a VIP changes only if its owner died (then the
// best alive eligible node takes it: one pass over that VIP's eligible nodes) or a node that
// outranks the owner returned (one hash per VIP the node may announce). Everything that does not
// depend on liveness (groups, pools, endpoints, advertisements, node labels) is computed once per
// full election, as if every node were alive, and reused.
// Results equal electAll's for the same input (property-tested); each result's ranked candidate
// list, which nothing on the failover path reads, is built only when read.
import { eligibility, groupResults, NO_CANDIDATES, type EligibleGroup } from './elect.js';
import { compareHash, murmur3x86128, type Hash128 } from './murmur3.js';
import { rankCandidates } from './rank.js';
import type { ElectionInput, ElectionResult } from './types.js';

interface GroupState {
  readonly group: EligibleGroup;
  /** Nodes the group accepts when alive (unranked). */
  readonly eligible: readonly string[];
  readonly eligibleSet: ReadonlySet<string>;
  owner: string | null;
  ownerHash: Hash128 | null;
}

const hashOf = (node: string, keyIp: string): Hash128 => murmur3x86128(`${node}#${keyIp}`);
const before = (a: string, ah: Hash128, b: string, bh: Hash128): boolean => {
  const c = compareHash(ah, bh);
  return c < 0 || (c === 0 && a < b);
};

export class IncrementalElection {
  private readonly states: GroupState[] = [];
  private readonly byOwner = new Map<string, Set<GroupState>>();
  private readonly fixed: ReadonlyMap<string, ElectionResult>;
  private readonly byService = new Map<string, GroupState>();
  private alive: Set<string>;
  private cached: Map<string, ElectionResult> | null = null;

  /** A full election of `input` (its alivePeers included). */
  constructor(input: ElectionInput) {
    const everyone = new Set([...input.nodes.map((n) => n.name), ...input.alivePeers]);
    const { groups, fixed } = eligibility({ ...input, alivePeers: everyone });
    this.fixed = fixed;
    this.alive = new Set(input.alivePeers);
    const sharedSets = new Map<string, { list: readonly string[]; set: ReadonlySet<string> }>();
    for (const group of groups) {
      const list = group.common ?? NO_CANDIDATES;
      // Most groups accept the same nodes: one list and one set for all of them.
      const key = list.join('\u0000');
      let shared = sharedSets.get(key);
      if (!shared) sharedSets.set(key, (shared = { list, set: new Set(list) }));
      const st: GroupState = { group, eligible: shared.list, eligibleSet: shared.set, owner: null, ownerHash: null };
      this.elect(st);
      this.states.push(st);
      for (const { svc, w } of group.wanted) if (w.ok) this.byService.set(svc.key, st);
    }
  }

  /** The alive set moved to `alive`; returns the keys of the Services whose owner may have changed. */
  setAlive(alive: ReadonlySet<string>): string[] {
    const died = [...this.alive].filter((n) => !alive.has(n));
    const returned = [...alive].filter((n) => !this.alive.has(n));
    this.alive = new Set(alive);
    const touched = new Set<GroupState>();
    for (const d of died) {
      for (const st of this.byOwner.get(d) ?? []) {
        this.elect(st);
        touched.add(st);
      }
    }
    for (const r of returned) {
      for (const st of this.states) {
        if (!st.eligibleSet.has(r)) continue;
        const h = hashOf(r, st.group.keyIp);
        if (st.owner === null || st.ownerHash === null || before(r, h, st.owner, st.ownerHash)) {
          this.setOwner(st, r, h);
          touched.add(st);
        }
      }
    }
    // Candidate lists change with any death or return, owners only for the touched groups.
    if (died.length > 0 || returned.length > 0) this.cached = null;
    return [...touched].flatMap((st) => st.group.wanted.map(({ svc }) => svc.key));
  }

  /** The owner of a Service's IPs now (null when nobody announces it); O(1). */
  owner(serviceKey: string): string | null {
    return this.byService.get(serviceKey)?.owner ?? null;
  }

  /** Every Service's result, as electAll would give for the current alive set. */
  results(): ReadonlyMap<string, ElectionResult> {
    if (this.cached) return this.cached;
    const out = new Map<string, ElectionResult>(this.fixed);
    for (const st of this.states) {
      if (st.group.common === null) {
        groupResults(st.group, NO_CANDIDATES, out);
        continue;
      }
      const ranking = new LazyRanking(st.group.keyIp, st.eligible, this.alive);
      for (const { svc, w } of st.group.wanted) {
        out.set(svc.key, w.ok ? new IncrementalResult(st.owner, st.group.keyIp, ranking) : { owner: null, reason: w.reason, candidates: NO_CANDIDATES, keyIp: st.group.keyIp });
      }
    }
    this.cached = out;
    return out;
  }

  /** Best alive eligible node: one pass, no sort. */
  private elect(st: GroupState): void {
    let best: string | null = null;
    let bestHash: Hash128 | null = null;
    for (const n of st.eligible) {
      if (!this.alive.has(n)) continue;
      const h = hashOf(n, st.group.keyIp);
      if (best === null || bestHash === null || before(n, h, best, bestHash)) {
        best = n;
        bestHash = h;
      }
    }
    this.setOwner(st, best, bestHash);
  }

  private setOwner(st: GroupState, owner: string | null, hash: Hash128 | null): void {
    if (st.owner !== null) this.byOwner.get(st.owner)?.delete(st);
    st.owner = owner;
    st.ownerHash = hash;
    if (owner !== null) {
      let set = this.byOwner.get(owner);
      if (!set) this.byOwner.set(owner, (set = new Set()));
      set.add(st);
    }
  }
}

/** The ranked candidates of one group, computed on first read (nothing on the failover path reads them). */
class LazyRanking {
  private ranked: readonly string[] | null = null;
  constructor(
    private readonly keyIp: string,
    private readonly eligible: readonly string[],
    private readonly alive: ReadonlySet<string>,
  ) {}
  get(): readonly string[] {
    return (this.ranked ??= rankCandidates(this.keyIp, this.eligible.filter((n) => this.alive.has(n))));
  }
}

class IncrementalResult implements ElectionResult {
  readonly reason: ElectionResult['reason'];
  constructor(
    readonly owner: string | null,
    readonly keyIp: string,
    private readonly ranking: LazyRanking,
  ) {
    this.reason = owner === null ? 'noCandidates' : 'elected';
  }
  get candidates(): readonly string[] {
    return this.ranking.get();
  }
}
