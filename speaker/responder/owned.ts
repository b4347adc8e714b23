// The (VIP, interface) pairs this host answers for: the only input that can make a responder
// speak. Lookups run per received frame, so they are one Map access on a string key.
import { formatIp, type IpAddress } from '../../shared/ip/address.js';

export interface OwnedPair {
  readonly ip: IpAddress;
  readonly interfaceName: string;
}

export type Ownership = 'owned' | 'wrong-interface' | 'not-owned';

export class OwnedSet {
  // One map per family, keyed by the address value itself: no key string is built per frame.
  private readonly v4 = new Map<bigint, Set<string>>();
  private readonly v6 = new Map<bigint, Set<string>>();
  readonly pairs: readonly OwnedPair[];

  constructor(pairs: Iterable<OwnedPair>) {
    const list: OwnedPair[] = [];
    for (const p of pairs) {
      const byIp = p.ip.family === 4 ? this.v4 : this.v6;
      const ifaces = byIp.get(p.ip.value) ?? new Set<string>();
      if (ifaces.has(p.interfaceName)) continue;
      ifaces.add(p.interfaceName);
      byIp.set(p.ip.value, ifaces);
      list.push(p);
    }
    this.pairs = list;
  }

  static readonly empty = new OwnedSet([]);

  check(ip: IpAddress, interfaceName: string): Ownership {
    const ifaces = (ip.family === 4 ? this.v4 : this.v6).get(ip.value);
    if (ifaces === undefined) return 'not-owned';
    return ifaces.has(interfaceName) ? 'owned' : 'wrong-interface';
  }

  /** A stable identity per pair, for diffing one owned set against the next. */
  static pairKey(p: OwnedPair): string {
    return `${formatIp(p.ip)}%${p.interfaceName}`;
  }
}
