// Solicited-node multicast groups are shared: VIPs with the same low 24 bits map to one group,
// so a group is joined by its first VIP and left by its last, per interface.
import type { IpAddress } from '../../shared/ip/address.js';
import { solicitedNodeAddress } from '../ndp/multicast.js';

export class GroupCounts {
  private readonly counts = new Map<bigint, number>();

  /** The group to join now, if this VIP is the first to need it. */
  add(vip: IpAddress): IpAddress | undefined {
    const group = solicitedNodeAddress(vip);
    const n = this.counts.get(group.value) ?? 0;
    this.counts.set(group.value, n + 1);
    return n === 0 ? group : undefined;
  }

  /** The group to leave now, if this VIP was the last to need it. */
  remove(vip: IpAddress): IpAddress | undefined {
    const group = solicitedNodeAddress(vip);
    const n = this.counts.get(group.value) ?? 0;
    if (n <= 1) {
      this.counts.delete(group.value);
      return n === 1 ? group : undefined;
    }
    this.counts.set(group.value, n - 1);
    return undefined;
  }

  get size(): number {
    return this.counts.size;
  }
}
