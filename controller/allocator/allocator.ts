// The allocator: pools + assignments, and MetalLB's allocation decisions (requested IPs, pool
// choice and order, IP families, sharing, keeping assigned addresses) as values.
// No I/O, no clocks: the controller's shell feeds it validated pools and Services and writes
// whatever it answers. Semantics follow MetalLB's allocator (Assign / Allocate / AllocateFromPool /
// AllocateFromPoolForAdditionalFamily / SetPools); where the messages were internal-looking, they
// say what is wrong instead, keeping MetalLB's wording as the prefix.
import type { ValidPool } from '../../shared/api/validate.js';
import { formatIp, type IpAddress } from '../../shared/ip/address.js';
import { isBuggyIp, rangeContains, usableSize, type IpRange } from '../../shared/ip/range.js';
import { bestOffer, selectFromOffer, type Offer } from './family-select.js';
import { IpIndex } from './ip-index.js';
import { candidatePools, poolAllowsService } from './pool-order.js';
import { deprecationWarnings, quoteIps, type ServiceFamily, type ServiceRequest } from './request.js';
import { reservedFor } from './sharing.js';

export interface Assignment {
  readonly key: string;
  readonly pool: string;
  /** In status order: IPv4 first for a new dual-stack assignment, as MetalLB writes them. */
  readonly ips: readonly IpAddress[];
  readonly ports: readonly string[];
  readonly sharingKey: string;
  readonly backendKey: string;
}

export type AllocResult =
  | { readonly ok: true; readonly ips: readonly IpAddress[]; readonly pool: string; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly reason: string; readonly warnings: readonly string[] };

/** A Service whose addresses stopped being valid when the pools changed; it has been released. */
export interface Invalidation {
  readonly key: string;
  readonly ips: readonly IpAddress[];
  readonly pool: string;
  readonly reason: string;
}

export interface PoolChange {
  readonly invalidated: readonly Invalidation[];
  /** Assignments whose addresses now belong to another pool (e.g. a pool renamed): annotation changes. */
  readonly moved: readonly { readonly key: string; readonly from: string; readonly to: string }[];
}

/** A pool that exists but failed validation (a PoolVerdict with valid false fits). */
export interface RejectedPool {
  readonly name: string;
  readonly errors: readonly string[];
  readonly ranges: readonly IpRange[];
}

export interface PoolStats {
  readonly assignedIPv4: bigint;
  readonly assignedIPv6: bigint;
  readonly availableIPv4: bigint;
  readonly availableIPv6: bigint;
}

const q = JSON.stringify;
const byName = (a: ValidPool, b: ValidPool): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function familyOfIps(ips: readonly IpAddress[]): ServiceFamily | undefined {
  if (ips.length === 1) return ips[0]!.family === 4 ? 'ipv4' : 'ipv6';
  if (ips.length === 2 && ips[0]!.family !== ips[1]!.family) return 'dual';
  return undefined;
}

type Known = ServiceRequest & { readonly family: ServiceFamily };
const hasFamily = (r: ServiceRequest): r is Known => r.family !== undefined;

const sameIps = (a: readonly IpAddress[], b: readonly IpAddress[]): boolean =>
  a.length === b.length && a.every((x) => b.some((y) => x.family === y.family && x.value === y.value));

export class Allocator {
  private poolList: ValidPool[] = [];
  private readonly poolsByName = new Map<string, ValidPool>();
  private rejected = new Map<string, RejectedPool>();
  private readonly assignments = new Map<string, Assignment>();
  /** Addresses held for Services whose status write is in doubt, by Service key. */
  private readonly reservations = new Map<string, Assignment>();
  private readonly index = new IpIndex();

  /** rejected: pools that exist but failed validation, for messages that name them and why. */
  constructor(pools: readonly ValidPool[] = [], rejected: readonly RejectedPool[] = []) {
    this.setPools(pools, rejected);
  }

  // ---- queries ----------------------------------------------------------------------------

  get(key: string): Assignment | undefined {
    return this.assignments.get(key);
  }

  get size(): number {
    return this.assignments.size;
  }

  /** Every current assignment (for metrics and debugging; do not mutate while iterating). */
  entries(): IterableIterator<Assignment> {
    return this.assignments.values();
  }

  pools(): readonly ValidPool[] {
    return this.poolList;
  }

  pool(name: string): ValidPool | undefined {
    return this.poolsByName.get(name);
  }

  /** The pool holding all of ips (one pool only; .0/.255 excluded where avoided), as MetalLB's poolFor. */
  poolFor(ips: readonly IpAddress[]): ValidPool | undefined {
    return this.poolList.find((p) =>
      ips.every((ip) => !(p.avoidBuggyIPs && isBuggyIp(ip)) && p.ranges.some((r) => rangeContains(r, ip))),
    );
  }

  /** Services on an address (more than one only when validly shared). */
  usersOf(ip: IpAddress): ReadonlySet<string> {
    return this.index.usersOf(ip);
  }

  /** Counts per family; available is exact even for a /64 (bigint), see statusCount for the CR. */
  stats(poolName: string): PoolStats | undefined {
    const p = this.poolsByName.get(poolName);
    if (p === undefined) return undefined;
    const total = { 4: 0n, 6: 0n };
    const assigned = { 4: 0n, 6: 0n };
    for (const r of p.ranges) {
      total[r.family] += usableSize(r, p.avoidBuggyIPs);
      assigned[r.family] += BigInt(this.index.countIn(r));
    }
    return {
      assignedIPv4: assigned[4],
      assignedIPv6: assigned[6],
      availableIPv4: total[4] - assigned[4],
      availableIPv6: total[6] - assigned[6],
    };
  }

  // ---- configuration ----------------------------------------------------------------------

  /**
   * Replaces the pools. Assignments whose addresses no pool holds any more are released and
   * returned (the shell re-reconciles those Services: ClearAssignment, then a new address);
   * assignments still held are kept, whatever else changed (an assigned IP never changes while
   * it is still valid).
   */
  setPools(pools: readonly ValidPool[], rejected: readonly RejectedPool[] = []): PoolChange {
    this.poolList = [...pools].sort(byName);
    this.poolsByName.clear();
    for (const p of this.poolList) this.poolsByName.set(p.name, p);
    this.rejected = new Map(rejected.filter((r) => !this.poolsByName.has(r.name)).map((r) => [r.name, r]));
    const invalidated: Invalidation[] = [];
    const moved: { key: string; from: string; to: string }[] = [];
    for (const a of [...this.assignments.values()]) {
      const p = this.poolFor(a.ips);
      if (p === undefined) {
        this.unrecord(a);
        invalidated.push({ key: a.key, ips: a.ips, pool: a.pool, reason: this.explainNoPool(a.ips, a.pool) });
      } else if (p.name !== a.pool) {
        this.assignments.set(a.key, { ...a, pool: p.name });
        moved.push({ key: a.key, from: a.pool, to: p.name });
      }
    }
    return { invalidated, moved };
  }

  // ---- operations -------------------------------------------------------------------------

  /**
   * Takes over addresses a Service already has (its status), if they are still valid: in a pool
   * the Service may use, of its IP family, not used by another Service without valid sharing.
   * On start, the shell adopts every already-assigned Service before assigning any new one, so a
   * valid address is never handed to someone else, and restarts or leader changes move no IP.
   */
  adopt(req: ServiceRequest, ips: readonly IpAddress[]): AllocResult {
    const warnings = deprecationWarnings(req);
    if (req.family === undefined) return { ok: false, reason: req.familyError ?? 'unknown IP family', warnings };
    const lbFamily = familyOfIps(ips);
    if (lbFamily === undefined) {
      return { ok: false, reason: `invalid assigned IPs ${quoteIps(ips)}: expected one IP, or one IPv4 and one IPv6`, warnings };
    }
    // A PreferDualStack dual-stack Service may hold a single family (MetalLB's serviceFamilyChanged).
    if (lbFamily !== req.family && !(req.family === 'dual' && req.policy === 'PreferDualStack')) {
      return { ok: false, reason: `assigned IPs ${quoteIps(ips)} do not match the IP family of the service (${req.family})`, warnings };
    }
    return this.take(req, ips, warnings);
  }

  /**
   * Gives the Service addresses by the rules: requested IPs, else the named pool, else the pools
   * its serviceAllocation selects by priority, then pools without serviceAllocation by name.
   * Idempotent: a Service that already holds valid addresses matching its request keeps them.
   */
  assign(req: ServiceRequest): AllocResult {
    const warnings = deprecationWarnings(req);
    const fail = (reason: string): AllocResult => ({ ok: false, reason, warnings });
    if (!hasFamily(req)) return fail(req.familyError ?? 'unknown IP family');
    if (req.requestError !== undefined) return fail(req.requestError);

    const existing = this.assignments.get(req.key);
    if (existing !== undefined) {
      const wantsOther =
        (req.requestedIps.length > 0 && !sameIps(existing.ips, req.requestedIps)) ||
        (req.desiredPool !== undefined && req.desiredPool !== existing.pool);
      if (!wantsOther) {
        const again = this.adopt(req, existing.ips);
        if (again.ok) return again;
      }
      this.release(req.key);
    }

    if (req.requestedIps.length > 0) {
      const ips = req.requestedIps;
      if (familyOfIps(ips) !== req.family) {
        return fail(`requested loadBalancer IP(s) ${quoteIps(ips)} does not match the ipFamily of the service`);
      }
      const r = this.take(req, ips, warnings);
      if (r.ok && req.desiredPool !== undefined && r.pool !== req.desiredPool) {
        this.release(req.key);
        return fail(`requested loadBalancer IP(s) ${quoteIps(ips)} is not compatible with requested address pool ${req.desiredPool} (they belong to pool ${r.pool})`);
      }
      return r;
    }
    if (req.desiredPool !== undefined) return this.assignFromPool(req, req.desiredPool, warnings);
    return this.assignAuto(req, warnings);
  }

  /**
   * PreferDualStack: a dual-stack Service holding one family gets the other from the same pool if
   * it has one free (MetalLB's AllocateFromPoolForAdditionalFamily); its first address stays.
   */
  assignAdditionalFamily(req: ServiceRequest): AllocResult {
    const warnings = deprecationWarnings(req);
    const cur = this.assignments.get(req.key);
    if (cur === undefined || cur.ips.length !== 1) return { ok: false, reason: 'service does not hold exactly one IP', warnings };
    const pool = this.poolsByName.get(cur.pool);
    if (pool === undefined) return { ok: false, reason: `unknown pool ${q(cur.pool)}`, warnings };
    const have = cur.ips[0]!;
    const want = have.family === 4 ? 6 : 4;
    const v = this.offer(pool, req)[want];
    if (v === undefined) return { ok: false, reason: `no available IPs in pool ${q(pool.name)} for ipv${want} IPFamily`, warnings };
    return this.take(req, [have, { family: want, value: v }], warnings);
  }

  /**
   * Keeps `a.ips` out of everyone else's reach (with a's ports and sharing keys) until unreserve,
   * whatever happens to the Service's own assignment or the pools meanwhile: the server may
   * already hold these addresses on that Service (a status write that timed out or was cut off).
   */
  reserve(a: Assignment): void {
    this.unreserve(a.key);
    const r: Assignment = { ...a, key: reservedFor(a.key), ips: [...a.ips], ports: [...a.ports] };
    this.reservations.set(a.key, r);
    for (const ip of r.ips) this.index.add(ip, r);
  }

  /** Ends a reservation; true if there was one (its addresses may be free now). */
  unreserve(key: string): boolean {
    const r = this.reservations.get(key);
    if (r === undefined) return false;
    for (const ip of r.ips) this.index.remove(ip, r.key);
    this.reservations.delete(key);
    return true;
  }

  /** Frees the Service's addresses; true if it held any. */
  release(key: string): boolean {
    const a = this.assignments.get(key);
    if (a === undefined) return false;
    this.unrecord(a);
    return true;
  }

  // ---- internals --------------------------------------------------------------------------

  private offer(pool: ValidPool, req: ServiceRequest): Offer {
    const o: { pool: ValidPool; 4?: bigint; 6?: bigint } = { pool };
    for (const r of pool.ranges) {
      if (o[r.family] !== undefined) continue;
      const v = this.index.pick(r, pool.avoidBuggyIPs, req);
      if (v !== undefined) o[r.family] = v;
    }
    return o;
  }

  private fromPools(pools: readonly ValidPool[], req: Known, warnings: readonly string[]): AllocResult | undefined {
    const best = bestOffer(pools, (p) => this.offer(p, req), req);
    if (best === undefined) return undefined;
    const ips = selectFromOffer(best, req);
    if (ips === undefined) return undefined;
    const r = this.take(req, ips, warnings);
    return r.ok ? r : undefined;
  }

  private assignAuto(req: Known, warnings: readonly string[]): AllocResult {
    const { pinned, general } = candidatePools(this.poolList, req);
    const r = this.fromPools(pinned, req, warnings) ?? this.fromPools(general, req, warnings);
    if (r !== undefined) return r;
    const tried = [...pinned, ...general].map((p) => q(p.name));
    const reason =
      tried.length === 0
        ? 'no available IPs: no address pool with autoAssign can be used by this service (pools with autoAssign: false serve only metallb.io/address-pool or requested IPs)'
        : `no available IPs: the pools this service may use have no free ${this.familyText(req)} addresses (tried ${tried.join(', ')})`;
    return { ok: false, reason, warnings };
  }

  private familyText(req: ServiceRequest): string {
    if (req.family === 'dual') return req.policy === 'RequireDualStack' ? 'IPv4+IPv6 (RequireDualStack)' : 'IPv4 or IPv6';
    return req.family === 'ipv6' ? 'IPv6' : 'IPv4';
  }

  private assignFromPool(req: Known, name: string, warnings: readonly string[]): AllocResult {
    const pool = this.poolsByName.get(name);
    if (pool === undefined) {
      const bad = this.rejected.get(name);
      const reason = bad ? `pool ${q(name)} is not valid: ${bad.errors.join('; ')}` : `unknown pool ${q(name)}`;
      return { ok: false, reason, warnings };
    }
    const ips = selectFromOffer(this.offer(pool, req), req);
    if (ips === undefined) return { ok: false, reason: `no available IPs in pool ${q(name)} for ${req.family} IPFamily`, warnings };
    return this.take(req, ips, warnings);
  }

  /** MetalLB's Assign: checks, then records (replacing the Service's previous assignment). */
  private take(req: ServiceRequest, ips: readonly IpAddress[], warnings: readonly string[]): AllocResult {
    const fail = (reason: string): AllocResult => ({ ok: false, reason, warnings });
    if (ips.length === 0 || ips.length > 2) return fail(`expected one or two addresses, got ${quoteIps(ips)}`);
    if (ips.length === 2 && ips[0]!.family === ips[1]!.family) return fail(`${quoteIps(ips)} has the same family`);
    const pool = this.poolFor(ips);
    if (pool === undefined) return fail(this.explainNoPool(ips, undefined));
    if (!poolAllowsService(pool, req)) {
      return fail(`pool ${pool.name} not compatible for ip assignment: its serviceAllocation (namespaces, namespaceSelectors, serviceSelectors) does not select this service`);
    }
    for (const ip of ips) {
      const c = this.index.conflict(ip, req);
      if (c !== undefined) return fail(c);
    }
    const prev = this.assignments.get(req.key);
    if (prev !== undefined) this.unrecord(prev);
    const a: Assignment = { key: req.key, pool: pool.name, ips: [...ips], ports: [...req.ports], sharingKey: req.sharingKey, backendKey: req.backendKey };
    this.assignments.set(a.key, a);
    for (const ip of a.ips) this.index.add(ip, a);
    return { ok: true, ips: a.ips, pool: a.pool, warnings };
  }

  private unrecord(a: Assignment): void {
    for (const ip of a.ips) this.index.remove(ip, a.key);
    this.assignments.delete(a.key);
  }

  /** Why no pool holds ips; prevName: the pool that held them before the pools changed. */
  private explainNoPool(ips: readonly IpAddress[], prevName: string | undefined): string {
    const head = `${quoteIps(ips)} is not allowed in config`;
    if (prevName !== undefined && !this.poolsByName.has(prevName)) {
      const bad = this.rejected.get(prevName);
      return `${head}: pool ${q(prevName)} ${bad ? `is no longer valid: ${bad.errors.join('; ')}` : 'no longer exists'}`;
    }
    const owners = ips.map((ip) => ({ ip, pool: this.poolList.find((p) => p.ranges.some((r) => rangeContains(r, ip))) }));
    for (const { ip, pool } of owners) {
      if (pool === undefined) {
        const bad = [...this.rejected.values()].find((r) => r.ranges.some((x) => rangeContains(x, ip)));
        if (bad) return `${head}: ${formatIp(ip)} is in pool ${q(bad.name)}, which is not valid: ${bad.errors.join('; ')}`;
        return `${head}: no address pool contains ${formatIp(ip)}`;
      }
      if (pool.avoidBuggyIPs && isBuggyIp(ip)) return `${head}: ${formatIp(ip)} ends in .0 or .255 and pool ${q(pool.name)} has avoidBuggyIPs`;
    }
    const names = [...new Set(owners.map((o) => o.pool!.name))];
    return `${head}: the addresses belong to different pools (${names.map((n) => q(n)).join(', ')}); both must come from one pool`;
  }
}

/** IPAddressPool status counters are int64 in the CRD; JSON numbers are exact only to 2^53 - 1. */
export const statusCount = (n: bigint): number => (n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n));
