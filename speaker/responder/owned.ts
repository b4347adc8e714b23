// The (VIP, interface) pairs this host answers for: the only input that can make a responder
// speak. Lookups run per received frame, so they are one Map access on a string key.
import { formatIp, type IpAddress } from '../../shared/ip/address.js';

export interface OwnedPair {
  readonly ip: IpAddress;
  readonly interfaceName: string;
}

export type Ownership = 'owned' | 'wrong-interface' | 'not-owned';

const key = (ip: IpAddress): string => `${ip.family}/${ip.value.toString(16)}`;

export class OwnedSet {
  private readonly byIp = new Map<string, Set<string>>();
  readonly pairs: readonly OwnedPair[];

  constructor(pairs: Iterable<OwnedPair>) {
    const list: OwnedPair[] = [];
    for (const p of pairs) {
      const k = key(p.ip);
      const ifaces = this.byIp.get(k) ?? new Set<string>();
      if (ifaces.has(p.interfaceName)) continue;
      ifaces.add(p.interfaceName);
      this.byIp.set(k, ifaces);
      list.push(p);
    }
    this.pairs = list;
  }

  static readonly empty = new OwnedSet([]);

  check(ip: IpAddress, interfaceName: string): Ownership {
    const ifaces = this.byIp.get(key(ip));
    if (ifaces === undefined) return 'not-owned';
    return ifaces.has(interfaceName) ? 'owned' : 'wrong-interface';
  }

  /** A stable identity per pair, for diffing one owned set against the next. */
  static pairKey(p: OwnedPair): string {
    return `${formatIp(p.ip)}%${p.interfaceName}`;
  }
}
