// The allocator's record of taken addresses, per family: a sorted set of values (for free-address
// search), who uses each value on which ports (for sharing), and which values each sharing key
// holds (so a Service with a sharing key finds its partners without scanning the pool).
import { formatIp, type IpAddress, type IpFamily } from '../../shared/ip/address.js';
import type { IpRange } from '../../shared/ip/range.js';
import { firstFree } from './free-search.js';
import { checkSharing, type IpUse, type SharingKeys } from './sharing.js';
import { SortedValues } from './sorted-values.js';

export interface UseRequest extends SharingKeys {
  readonly key: string;
  readonly ports: readonly string[];
}

class FamilyIndex {
  readonly used = new SortedValues();
  readonly uses = new Map<bigint, IpUse>();
  readonly bySharingKey = new Map<string, Set<bigint>>();

  private share(key: string, v: bigint, add: boolean): void {
    if (key === '') return;
    let s = this.bySharingKey.get(key);
    if (add) {
      if (s === undefined) this.bySharingKey.set(key, (s = new Set()));
      s.add(v);
    } else if (s !== undefined) {
      s.delete(v);
      if (s.size === 0) this.bySharingKey.delete(key);
    }
  }

  add(v: bigint, u: UseRequest): void {
    let use = this.uses.get(v);
    if (use === undefined) {
      use = { users: new Set(), ports: new Map(), sharingKey: u.sharingKey, backendKey: u.backendKey };
      this.uses.set(v, use);
      this.used.add(v);
    } else if (use.sharingKey !== u.sharingKey || use.backendKey !== u.backendKey) {
      // Only reachable when u is alone on v (checkSharing allowed it): its keys change in place.
      this.share(use.sharingKey, v, false);
      use = { ...use, sharingKey: u.sharingKey, backendKey: u.backendKey };
      this.uses.set(v, use);
    }
    use.users.add(u.key);
    for (const p of u.ports) use.ports.set(p, u.key);
    this.share(u.sharingKey, v, true);
  }

  remove(v: bigint, key: string): void {
    const use = this.uses.get(v);
    if (use === undefined) return;
    use.users.delete(key);
    for (const [p, owner] of use.ports) if (owner === key) use.ports.delete(p);
    if (use.users.size === 0) {
      this.uses.delete(v);
      this.used.delete(v);
      this.share(use.sharingKey, v, false);
    }
  }
}

export class IpIndex {
  private readonly fam: Record<IpFamily, FamilyIndex> = { 4: new FamilyIndex(), 6: new FamilyIndex() };

  add(ip: IpAddress, u: UseRequest): void {
    this.fam[ip.family].add(ip.value, u);
  }

  remove(ip: IpAddress, key: string): void {
    this.fam[ip.family].remove(ip.value, key);
  }

  /** undefined if u may use ip, else the reason it may not. */
  conflict(ip: IpAddress, u: UseRequest): string | undefined {
    return checkSharing(this.fam[ip.family].uses.get(ip.value), u.key, formatIp(ip), u.ports, u);
  }

  usersOf(ip: IpAddress): ReadonlySet<string> {
    return this.fam[ip.family].uses.get(ip.value)?.users ?? new Set();
  }

  countIn(r: IpRange): number {
    return this.fam[r.family].used.countIn(r.first, r.last);
  }

  /**
   * The lowest address of r that u may take: either unused, or already shared under u's sharing
   * key without port conflicts. This is the address MetalLB's cursor walk would stop at.
   */
  pick(r: IpRange, avoidBuggy: boolean, u: UseRequest): bigint | undefined {
    const f = this.fam[r.family];
    let best = firstFree(r, avoidBuggy, f.used);
    if (u.sharingKey === '') return best;
    for (const v of f.bySharingKey.get(u.sharingKey) ?? []) {
      if (v < r.first || v > r.last || (best !== undefined && v >= best)) continue;
      if (this.conflict({ family: r.family, value: v }, u) === undefined) best = v;
    }
    return best;
  }
}
