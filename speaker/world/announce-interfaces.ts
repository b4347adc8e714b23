// On which interfaces this node announces a pool's IPs: the union of the `interfaces` lists of
// the L2Advertisements that select the pool and this node. An advertisement without a list
// allows every usable interface. A legacy layer2 AddressPool allows every usable interface.
import type { L2Advertisement } from '../../shared/api/types.js';
import { advertisementSelectsPool } from '../election/eligibility.js';
import { anySelectorMatches } from '../election/selector.js';
import type { NodeInfo, PoolInfo } from '../election/types.js';

export type InterfaceChoice = { all: true } | { all: false; names: ReadonlySet<string> };

export function announceInterfaces(pool: PoolInfo, node: NodeInfo, advertisements: readonly L2Advertisement[]): InterfaceChoice {
  if (pool.legacyLayer2) return { all: true };
  const names = new Set<string>();
  for (const adv of advertisements) {
    const info = { name: adv.metadata.name ?? '', ipAddressPools: adv.spec?.ipAddressPools ?? [], ipAddressPoolSelectors: adv.spec?.ipAddressPoolSelectors ?? [] };
    if (!advertisementSelectsPool(info, pool)) continue;
    if (!anySelectorMatches(adv.spec?.nodeSelectors, node.labels, true)) continue;
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
