// Which L2Advertisements apply to a Service, and what they say about nodes: the hard filter
// (nodeSelectors) and the soft preference (preferredNodeSelectors), as MetalLB v0.16 reads them.
// - An advertisement applies to a Service when it selects the Service's pool and, if it has
//   serviceSelectors, one of them matches the Service's labels.
// - A node may announce when some applicable advertisement's nodeSelectors allow it.
// - A node's score is, summed over the applicable advertisements that allow it, the weights of
//   the preferences it matches. An advertisement never lifts a node it does not allow itself.
import { advertisementSelectsPool } from './eligibility.js';
import { anySelectorMatches, selectorMatches } from './selector.js';
import type { L2AdvertisementInfo, NodeInfo, PoolInfo, PreferredNodeSelector, ServiceInfo } from './types.js';

export interface Advertiser {
  /** Position in the input (a stable identity for caching sets of advertisers). */
  readonly index: number;
  readonly hasServiceSelectors: boolean;
  readonly serviceSelectors: L2AdvertisementInfo['serviceSelectors'];
  /** The usable nodes its nodeSelectors allow. */
  readonly nodes: ReadonlySet<string>;
  /** Non-zero preference scores of those nodes. */
  readonly scores: ReadonlyMap<string, number>;
}

/** What announces a pool: a legacy layer2 AddressPool (every usable node, no preferences), advertisements, or nothing. */
export type PoolAdvertisers = { readonly legacy: true; readonly nodes: ReadonlySet<string> } | { readonly legacy: false; readonly advertisers: readonly Advertiser[] } | null;

/** A weight outside 1-100 (refused by the CRD and reported by validation) counts for nothing. */
const validWeight = (p: PreferredNodeSelector): number => (Number.isInteger(p.weight) && p.weight >= 1 && p.weight <= 100 ? p.weight : 0);

export function advertisers(advs: readonly L2AdvertisementInfo[], usable: readonly NodeInfo[]): Advertiser[] {
  return advs.map((adv, index) => {
    const nodes = usable.filter((n) => anySelectorMatches(adv.nodeSelectors, n.labels, true));
    const scores = new Map<string, number>();
    const prefs = adv.preferredNodeSelectors ?? [];
    if (prefs.length > 0) {
      for (const n of nodes) {
        let score = 0;
        for (const p of prefs) if (selectorMatches(p.preference, n.labels)) score += validWeight(p);
        if (score > 0) scores.set(n.name, score);
      }
    }
    const serviceSelectors = adv.serviceSelectors ?? [];
    return { index, hasServiceSelectors: serviceSelectors.length > 0, serviceSelectors, nodes: new Set(nodes.map((n) => n.name)), scores };
  });
}

export function poolAdvertisers(pool: PoolInfo, advs: readonly L2AdvertisementInfo[], all: readonly Advertiser[], usable: readonly NodeInfo[]): PoolAdvertisers {
  if (pool.legacyLayer2) return { legacy: true, nodes: new Set(usable.map((n) => n.name)) };
  const selecting = all.filter((a) => advertisementSelectsPool(advs[a.index] as L2AdvertisementInfo, pool));
  return selecting.length === 0 ? null : { legacy: false, advertisers: selecting };
}

/** The advertisers of a pool that apply to this Service (serviceSelectors). */
export function advertisersForService(pool: readonly Advertiser[], svc: ServiceInfo): readonly Advertiser[] {
  if (!pool.some((a) => a.hasServiceSelectors)) return pool;
  return pool.filter((a) => !a.hasServiceSelectors || anySelectorMatches(a.serviceSelectors, svc.labels ?? {}, false));
}

/** Nodes any of the advertisers allows. */
export function allowedNodes(ads: readonly Advertiser[]): Set<string> {
  const out = new Set<string>();
  for (const a of ads) for (const n of a.nodes) out.add(n);
  return out;
}

/** Summed preference scores over a set of advertisers (each counted once). */
export function preferenceScores(ads: Iterable<Advertiser>): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of ads) for (const [n, s] of a.scores) out.set(n, (out.get(n) ?? 0) + s);
  return out;
}
