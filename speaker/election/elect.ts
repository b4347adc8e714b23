// The election as one pure function: same facts in, same owners out, on
// every speaker. No I/O, no clock, no randomness.
import { advertisers, advertisersForService, allowedNodes, poolAdvertisers, preferenceScores, type Advertiser, type PoolAdvertisers } from './advertisers.js';
import { activeEndpoints, excludedFromLoadBalancers, networkUnavailable, nodesWithActiveEndpoint } from './eligibility.js';
import { groupByIp } from './sharing-groups.js';
import { rankCandidates, type Scores } from './rank.js';
import type { ElectionInput, ElectionReason, ElectionResult, NodeInfo, ServiceInfo } from './types.js';

/**
 * Per Service: the nodes that may announce it and the advertisements that apply (their
 * preferences rank the nodes), or why it is not announced at all. A refused Service keeps its
 * nodes so that exactly one speaker (the one it would have elected) reports the refusal.
 */
export type Wanted =
  | { ok: true; nodes: ReadonlySet<string>; ads: readonly Advertiser[] }
  | { ok: false; reason: ElectionReason; refused?: { nodes: ReadonlySet<string>; ads: readonly Advertiser[] } };

/** Nodes that exist, run a live speaker, and whose network is usable for load balancers. */
function usableNodes(input: ElectionInput): NodeInfo[] {
  return input.nodes.filter(
    (n) =>
      input.alivePeers.has(n.name) &&
      !networkUnavailable(n) &&
      (input.ignoreExcludeLabel === true || !excludedFromLoadBalancers(n)),
  );
}

/** Per pool: what announces it (first pool of a name wins, as for lookups by name). */
function poolsAdvertisers(input: ElectionInput, usable: readonly NodeInfo[]): Map<string, PoolAdvertisers> {
  const all = advertisers(input.l2Advertisements, usable);
  const out = new Map<string, PoolAdvertisers>();
  for (const pool of input.pools) if (!out.has(pool.name)) out.set(pool.name, poolAdvertisers(pool, input.l2Advertisements, all, usable));
  return out;
}

/** The nodes a set of advertisers allows, computed once per distinct set (most Services share one). */
function nodeSetCache(): (ads: readonly Advertiser[]) => ReadonlySet<string> {
  const cache = new Map<string, ReadonlySet<string>>();
  return (ads) => {
    const key = ads.map((a) => a.index).join(',');
    let nodes = cache.get(key);
    if (!nodes) cache.set(key, (nodes = allowedNodes(ads)));
    return nodes;
  };
}

function wantedNodes(svc: ServiceInfo, pools: Map<string, PoolAdvertisers>, nodesOf: (ads: readonly Advertiser[]) => ReadonlySet<string>): Wanted {
  const pool = svc.pool === null ? undefined : pools.get(svc.pool);
  if (pool === undefined) return { ok: false, reason: 'noPool' };
  if (pool === null) return { ok: false, reason: 'noL2Advertisement' };
  const ads = pool.legacy ? NO_ADS : advertisersForService(pool.advertisers, svc);
  if (!pool.legacy && ads.length === 0) return { ok: false, reason: 'notSelectedByL2Advertisement' };
  const allowed = pool.legacy ? pool.nodes : nodesOf(ads);
  const active = activeEndpoints(svc.endpoints);
  if (active.length === 0) return { ok: false, reason: 'noEndpoints' };
  // Cluster: the advertisers' set itself, shared by every Service they announce (no copy per VIP).
  let nodes: ReadonlySet<string>;
  if (svc.externalTrafficPolicy !== 'Local') nodes = allowed;
  else {
    const local = nodesWithActiveEndpoint(active);
    nodes = new Set([...allowed].filter((n) => local.has(n)));
  }
  // MetalLB: Services an advertisement selects by serviceSelectors cannot use allow-shared-ip.
  if (svc.allowsSharedIp === true && ads.some((a) => a.hasServiceSelectors)) return { ok: false, reason: 'sharedIpWithServiceSelectors', refused: { nodes, ads } };
  return { ok: true, nodes, ads };
}

/** What a Service of a group wants, before any ranking. */
export interface Member {
  readonly svc: ServiceInfo;
  readonly wanted: Wanted;
  /** The preference scores that rank a refused Service's would-be order. */
  readonly refusedScores: Scores;
}

/**
 * One group of Services that elect together, everything but the ranking: what each member wants,
 * the nodes every member that wants announcing accepts (null when none does), and the scores
 * that rank them. Liveness enters only by filtering nodes, so with every node alive this is the
 * most a group can ever be offered (incremental.ts builds on that).
 */
export interface Ballot {
  readonly keyIp: string;
  readonly members: readonly Member[];
  readonly common: ReadonlySet<string> | null;
  readonly scores: Scores;
}

export interface Ballots {
  readonly groups: readonly Ballot[];
  /** Services that elect nothing whatever the nodes: no IP, or an IP that does not parse. */
  readonly fixed: ReadonlyMap<string, ElectionResult>;
}

export function ballots(input: ElectionInput): Ballots {
  const fixed = new Map<string, ElectionResult>();
  const { groups, noIps, badIp } = groupByIp(input.services);
  for (const s of noIps) fixed.set(s.key, { owner: null, reason: 'noIps', candidates: NO_CANDIDATES, keyIp: null });
  for (const s of badIp) fixed.set(s.key, { owner: null, reason: 'badIp', candidates: NO_CANDIDATES, keyIp: null });

  const pools = poolsAdvertisers(input, usableNodes(input));
  const nodesOf = nodeSetCache();
  // Scores per distinct set of advertisers: most groups share one set, and most sets score nobody.
  const scoreCache = new Map<string, Scores>();
  const scoresOf = (ads: readonly Advertiser[]): Scores => {
    const unique = [...new Map(ads.filter((a) => a.scores.size > 0).map((a) => [a.index, a])).values()].sort((a, b) => a.index - b.index);
    if (unique.length === 0) return NO_SCORES;
    const key = unique.map((a) => a.index).join(',');
    let scores = scoreCache.get(key);
    if (!scores) scoreCache.set(key, (scores = preferenceScores(unique)));
    return scores;
  };
  const out = groups.map((group): Ballot => {
    const members = group.services.map((svc): Member => {
      const wanted = wantedNodes(svc, pools, nodesOf);
      return { svc, wanted, refusedScores: !wanted.ok && wanted.refused ? scoresOf(wanted.refused.ads) : NO_SCORES };
    });
    const oks = members.flatMap(({ wanted: w }) => (w.ok ? [w] : []));
    const common = oks.reduce<ReadonlySet<string> | null>((acc, w) => (acc === null ? w.nodes : new Set([...acc].filter((n) => w.nodes.has(n)))), null);
    return { keyIp: group.keyIp, members, common, scores: scoresOf(oks.flatMap((w) => w.ads)) };
  });
  return { groups: out, fixed };
}

/**
 * Owner of every Service, keyed by Service key. Services of a group that want announcing get the
 * same owner, elected among the nodes all of them accept (in practice the same set: shared IPs
 * need the same pool and compatible traffic policies) and ranked by the preferences of every
 * advertisement that applies to any of them, so shared IPs and both families of a dual-stack
 * Service always move together. A member with, say, no endpoints does not veto the others: it
 * simply is not announced.
 */
export function electAll(input: ElectionInput): Map<string, ElectionResult> {
  const { groups, fixed } = ballots(input);
  const out = new Map(fixed);
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
  for (const group of groups) {
    const candidates = group.common === null ? NO_CANDIDATES : shared(rankCandidates(group.keyIp, group.common, group.scores));
    const owner = candidates[0] ?? null;
    for (const { svc, wanted: w, refusedScores } of group.members) {
      if (w.ok) out.set(svc.key, { owner, reason: owner === null ? 'noCandidates' : 'elected', candidates, keyIp: group.keyIp });
      else {
        const would = w.refused ? shared(rankCandidates(group.keyIp, w.refused.nodes, refusedScores)) : NO_CANDIDATES;
        out.set(svc.key, { owner: null, reason: w.reason, candidates: would, keyIp: group.keyIp });
      }
    }
  }
  return out;
}

export const NO_CANDIDATES: readonly string[] = Object.freeze([]);
const NO_ADS: readonly Advertiser[] = Object.freeze([]);
const NO_SCORES: Scores = new Map();
