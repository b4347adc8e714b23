// The election of DESIGN.md "Election" as one pure function: same facts in, same owners out, on
// every speaker. No I/O, no clock, no randomness.
import {
  activeEndpoints,
  excludedFromLoadBalancers,
  networkUnavailable,
  nodesWithActiveEndpoint,
  poolNodeFilter,
} from './eligibility.js';
import { groupByIp } from './groups.js';
import { rankCandidates } from './rank.js';
import type { ElectionInput, ElectionReason, ElectionResult, NodeInfo, ServiceInfo } from './types.js';

/** Per Service: either the nodes that may announce it, or why it is not announced at all. */
export type Wanted = { ok: true; nodes: Set<string> } | { ok: false; reason: ElectionReason };

/** Nodes that exist, run a live speaker, and whose network is usable for load balancers. */
function usableNodes(input: ElectionInput): NodeInfo[] {
  return input.nodes.filter(
    (n) =>
      input.alivePeers.has(n.name) &&
      !networkUnavailable(n) &&
      (input.ignoreExcludeLabel === true || !excludedFromLoadBalancers(n)),
  );
}

/** Per pool: the usable nodes its advertisements allow, or null when nothing announces it. */
function poolNodes(input: ElectionInput, usable: readonly NodeInfo[]): Map<string, ReadonlySet<string> | null> {
  const out = new Map<string, ReadonlySet<string> | null>();
  for (const pool of input.pools) {
    if (out.has(pool.name)) continue; // first wins, as for lookups by name
    const allowed = poolNodeFilter(pool, input.l2Advertisements);
    out.set(pool.name, allowed === null ? null : new Set(usable.filter(allowed).map((n) => n.name)));
  }
  return out;
}

function wantedNodes(svc: ServiceInfo, pools: Map<string, ReadonlySet<string> | null>): Wanted {
  const allowed = svc.pool === null ? undefined : pools.get(svc.pool);
  if (allowed === undefined) return { ok: false, reason: 'noPool' };
  if (allowed === null) return { ok: false, reason: 'noL2Advertisement' };
  const active = activeEndpoints(svc.endpoints);
  if (active.length === 0) return { ok: false, reason: 'noEndpoints' };
  if (svc.externalTrafficPolicy !== 'Local') return { ok: true, nodes: new Set(allowed) };
  const local = nodesWithActiveEndpoint(active);
  return { ok: true, nodes: new Set([...allowed].filter((n) => local.has(n))) };
}

/** One group of Services sharing IPs: what each wants, and the nodes all announced members accept. */
export interface EligibleGroup {
  readonly keyIp: string;
  readonly wanted: readonly { readonly svc: ServiceInfo; readonly w: Wanted }[];
  /** Unranked; null when no member wants announcing. */
  readonly common: readonly string[] | null;
}

export interface Eligibility {
  readonly groups: readonly EligibleGroup[];
  /** Results that do not depend on who is alive (no IPs, a bad IP). */
  readonly fixed: ReadonlyMap<string, ElectionResult>;
}

/** Everything of the election except ranking: the work that does not depend on the hash. */
export function eligibility(input: ElectionInput): Eligibility {
  const fixed = new Map<string, ElectionResult>();
  const { groups, noIps, badIp } = groupByIp(input.services);
  for (const s of noIps) fixed.set(s.key, { owner: null, reason: 'noIps', candidates: NO_CANDIDATES, keyIp: null });
  for (const s of badIp) fixed.set(s.key, { owner: null, reason: 'badIp', candidates: NO_CANDIDATES, keyIp: null });
  const pools = poolNodes(input, usableNodes(input));
  const out: EligibleGroup[] = [];
  for (const group of groups) {
    const wanted = group.services.map((svc) => ({ svc, w: wantedNodes(svc, pools) }));
    const sets = wanted.flatMap(({ w }) => (w.ok ? [w.nodes] : []));
    const common = sets.reduce<string[] | null>((acc, s) => (acc === null ? [...s] : acc.filter((n) => s.has(n))), null);
    out.push({ keyIp: group.keyIp, wanted, common });
  }
  return { groups: out, fixed };
}

/** The results of one group, given its ranked candidates. */
export function groupResults(group: EligibleGroup, candidates: readonly string[], out: Map<string, ElectionResult>): void {
  const owner = candidates[0] ?? null;
  for (const { svc, w } of group.wanted) {
    if (!w.ok) out.set(svc.key, { owner: null, reason: w.reason, candidates: NO_CANDIDATES, keyIp: group.keyIp });
    else out.set(svc.key, { owner, reason: owner === null ? 'noCandidates' : 'elected', candidates, keyIp: group.keyIp });
  }
}

/**
 * Owner of every Service, keyed by Service key. Services of a group that want announcing get the
 * same owner, elected among the nodes all of them accept (in practice the same set: shared IPs
 * need the same pool and compatible traffic policies). A member with, say, no endpoints does not
 * veto the others: it simply is not announced.
 */
export function electAll(input: ElectionInput): Map<string, ElectionResult> {
  const { groups, fixed } = eligibility(input);
  const out = new Map<string, ElectionResult>(fixed);
  // Results are kept until the next election, one per Service: groups ranked in the same order
  // share one candidates array (a handful of orders for thousands of VIPs).
  const orders = new Map<string, readonly string[]>();
  const shared = (ranked: string[]): readonly string[] => {
    const key = ranked.join('\u0000');
    const kept = orders.get(key);
    if (kept) return kept;
    orders.set(key, ranked);
    return ranked;
  };
  for (const group of groups) groupResults(group, group.common === null ? NO_CANDIDATES : shared(rankCandidates(group.keyIp, group.common)), out);
  return out;
}

export const NO_CANDIDATES: readonly string[] = Object.freeze([]);
