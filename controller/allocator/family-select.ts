// Choosing a pool and addresses for a Service's IP families, exactly as MetalLB's
// findBestPoolForService and selectIPsForFamilyAndPolicy: a single-family Service takes the first
// pool with a free address of its family; a dual-stack one the first pool with both; with
// PreferDualStack, failing that, the first pool with its primary family (ipFamilies[0]), then
// the first with the other. RequireDualStack never settles for one family.
import type { IpFamily } from '../../shared/ip/address.js';
import type { ValidPool } from '../../shared/api/validate.js';
import type { FamilyPolicy, ServiceFamily } from './request.js';

/** Free address per family offered by one pool. */
export type Offer = { readonly pool: ValidPool } & { readonly [F in IpFamily]?: bigint };

export interface FamilyWants {
  readonly family: ServiceFamily;
  readonly policy: FamilyPolicy;
  readonly primaryFamily: IpFamily;
}

const other = (f: IpFamily): IpFamily => (f === 4 ? 6 : 4);

export function bestOffer(pools: readonly ValidPool[], offerOf: (p: ValidPool) => Offer, w: FamilyWants): Offer | undefined {
  const primary = w.primaryFamily;
  const secondary = other(primary);
  const preferDual = w.policy === 'PreferDualStack' && w.family === 'dual';
  let primaryCandidate: Offer | undefined;
  let secondaryCandidate: Offer | undefined;
  for (const pool of pools) {
    const o = offerOf(pool);
    if (w.family === 'ipv4' && o[4] !== undefined) return o;
    if (w.family === 'ipv6' && o[6] !== undefined) return o;
    if (o[primary] !== undefined && o[secondary] !== undefined) return o;
    if (!preferDual) continue;
    if (o[primary] !== undefined) primaryCandidate ??= o;
    if (o[secondary] !== undefined) secondaryCandidate ??= o;
  }
  return primaryCandidate ?? secondaryCandidate;
}

/** The addresses to take from an offer, IPv4 first as MetalLB writes them; undefined if it can't serve. */
export function selectFromOffer(o: Offer, w: FamilyWants): { family: IpFamily; value: bigint }[] | undefined {
  const v4 = o[4];
  const v6 = o[6];
  const both = v4 !== undefined && v6 !== undefined ? [{ family: 4 as const, value: v4 }, { family: 6 as const, value: v6 }] : undefined;
  switch (w.family) {
    case 'ipv4':
      return v4 !== undefined ? [{ family: 4, value: v4 }] : undefined;
    case 'ipv6':
      return v6 !== undefined ? [{ family: 6, value: v6 }] : undefined;
    case 'dual':
      if (w.policy === 'SingleStack') return undefined;
      if (both) return both;
      if (w.policy === 'RequireDualStack') return undefined;
      if (v4 !== undefined) return [{ family: 4, value: v4 }];
      if (v6 !== undefined) return [{ family: 6, value: v6 }];
      return undefined;
  }
}
