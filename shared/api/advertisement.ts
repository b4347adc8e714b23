// L2Advertisement semantics, shared by the controller (to warn when a Service's pool is announced by
// nobody: MetalLB users' most common trap) and the speaker (which nodes and interfaces announce).
// As in MetalLB: no ipAddressPools and no ipAddressPoolSelectors selects every pool; no
// nodeSelectors selects every node; no serviceSelectors selects every Service of those pools;
// preferredNodeSelectors weigh 1 to 100; no interfaces means every eligible interface.
import { anySelectorMatches, parseSelector, type Selector } from './selector.js';
import type { L2Advertisement, LabelSelector, Labels } from './types.js';

export interface ParsedL2Advertisement {
  readonly name: string;
  readonly allPools: boolean;
  readonly poolNames: ReadonlySet<string>;
  readonly poolSelectors: readonly Selector[];
  readonly nodeSelectors: readonly Selector[];
  /** Empty: every Service of the selected pools. */
  readonly serviceSelectors: readonly Selector[];
  readonly preferredNodeSelectors: readonly { readonly weight: number; readonly preference: Selector }[];
  /** Empty: all interfaces. */
  readonly interfaces: readonly string[];
}

export type L2AdvertisementVerdict =
  | { ok: true; value: ParsedL2Advertisement }
  | { ok: false; name: string; errors: string[] };

function duplicates(xs: readonly string[], what: string, errors: string[]): void {
  const seen = new Set<string>();
  for (const x of xs) {
    if (seen.has(x)) errors.push(`duplicate definition of ${what} ${JSON.stringify(x)}`);
    seen.add(x);
  }
}

export function parseL2Advertisement(adv: L2Advertisement): L2AdvertisementVerdict {
  const name = adv.metadata.name ?? '';
  const spec = adv.spec ?? {};
  const errors: string[] = [];
  const sels = (list: readonly LabelSelector[] | undefined, what: string): Selector[] => {
    const out: Selector[] = [];
    for (const s of list ?? []) {
      const p = parseSelector(s);
      if (p.ok) out.push(p.value);
      else errors.push(`invalid ${what} in L2Advertisement ${JSON.stringify(name)}: ${p.error}`);
    }
    duplicates(out.map((s) => s.text), what, errors);
    return out;
  };
  const poolNames = spec.ipAddressPools ?? [];
  duplicates(poolNames, 'ipAddressPools', errors);
  const poolSelectors = sels(spec.ipAddressPoolSelectors, 'ipAddressPoolSelectors');
  const nodeSelectors = sels(spec.nodeSelectors, 'nodeSelectors');
  const serviceSelectors = sels(spec.serviceSelectors, 'serviceSelectors');
  const preferredNodeSelectors = (spec.preferredNodeSelectors ?? []).flatMap((p, i) => {
    const where = `preferredNodeSelectors[${i}] in L2Advertisement ${JSON.stringify(name)}`;
    const weight: unknown = p.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100) {
      errors.push(`invalid ${where}: weight must be an integer from 1 to 100, got ${JSON.stringify(weight) ?? 'nothing'}`);
      return [];
    }
    const sel = parseSelector(p.preference ?? {});
    if (!sel.ok) {
      errors.push(`invalid ${where}: ${sel.error}`);
      return [];
    }
    return [{ weight, preference: sel.value }];
  });
  if (errors.length > 0) return { ok: false, name, errors };
  return {
    ok: true,
    value: {
      name,
      allPools: poolNames.length === 0 && poolSelectors.length === 0,
      poolNames: new Set(poolNames),
      poolSelectors,
      nodeSelectors,
      serviceSelectors,
      preferredNodeSelectors,
      interfaces: spec.interfaces ?? [],
    },
  };
}

export const advertisementSelectsPool = (adv: ParsedL2Advertisement, pool: { name: string; labels: Labels }): boolean =>
  adv.allPools || adv.poolNames.has(pool.name) || anySelectorMatches(adv.poolSelectors, pool.labels);

export const advertisementSelectsNode = (adv: ParsedL2Advertisement, nodeLabels: Labels | undefined): boolean =>
  adv.nodeSelectors.length === 0 || anySelectorMatches(adv.nodeSelectors, nodeLabels);

/**
 * Whether anyone will announce this Service's addresses from this pool: legacy layer2 AddressPools
 * always are; otherwise an advertisement must select the pool and, if it has serviceSelectors,
 * the Service. Which of the two is missing tells the user what to fix.
 */
export type ServiceAdvertisement = 'advertised' | 'poolNotAdvertised' | 'serviceNotSelected';

export function serviceAdvertisement(
  pool: { name: string; labels: Labels; announcedWithoutAdvertisement: boolean },
  advs: readonly ParsedL2Advertisement[],
  serviceLabels: Labels,
): ServiceAdvertisement {
  if (pool.announcedWithoutAdvertisement) return 'advertised';
  const ofPool = advs.filter((a) => advertisementSelectsPool(a, pool));
  if (ofPool.length === 0) return 'poolNotAdvertised';
  const selects = (a: ParsedL2Advertisement): boolean => a.serviceSelectors.length === 0 || anySelectorMatches(a.serviceSelectors, serviceLabels);
  return ofPool.some(selects) ? 'advertised' : 'serviceNotSelected';
}
