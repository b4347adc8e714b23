// On which interfaces this node announces a Service's IPs: the union of the `interfaces` lists of
// the L2Advertisements that select its pool, the Service (serviceSelectors) and this node. An
// advertisement without a list allows every usable interface. A legacy layer2 AddressPool allows
// every usable interface.
import type { L2Advertisement } from '../../shared/api/types.js';
import { advertisementSelectsPool } from '../election/eligibility.js';
import { anySelectorMatches } from '../election/selector.js';
import type { Labels, NodeInfo, PoolInfo } from '../election/types.js';

export type InterfaceChoice = { all: true } | { all: false; names: ReadonlySet<string> };

/** The advertisements that apply to a Service of this pool with these labels, on this node. */
export function applicableAdvertisements(pool: PoolInfo, node: NodeInfo, serviceLabels: Labels, advertisements: readonly L2Advertisement[]): L2Advertisement[] {
  return advertisements.filter((adv) => {
    const info = { name: adv.metadata.name ?? '', ipAddressPools: adv.spec?.ipAddressPools ?? [], ipAddressPoolSelectors: adv.spec?.ipAddressPoolSelectors ?? [] };
    return (
      advertisementSelectsPool(info, pool) &&
      anySelectorMatches(adv.spec?.nodeSelectors, node.labels, true) &&
      anySelectorMatches(adv.spec?.serviceSelectors, serviceLabels, true)
    );
  });
}

/** The interfaces the applicable advertisements allow (see applicableAdvertisements). */
export function announceInterfaces(pool: PoolInfo, applicable: readonly L2Advertisement[]): InterfaceChoice {
  if (pool.legacyLayer2) return { all: true };
  const names = new Set<string>();
  for (const adv of applicable) {
    const list = adv.spec?.interfaces ?? [];
    if (list.length === 0) return { all: true };
    for (const n of list) names.add(n);
  }
  return { all: false, names };
}

/** The usable interfaces (discovery order kept) the choice allows. */
export function pickInterfaces(choice: InterfaceChoice, usable: readonly string[]): string[] {
  return choice.all ? [...usable] : usable.filter((n) => choice.names.has(n));
}
