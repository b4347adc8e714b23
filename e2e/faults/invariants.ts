// The promises a fault run checks at each quiescent point, as pure functions of what the API server
// holds (and what the run remembers from the previous check):
// 1. no IP on two Services unless they validly share it (same non-empty sharing key, no common port);
// 2. every IP inside a pool the Service may use (here: the pool it names, else any pool);
// 3. an IP never changes unless the Service's request or its pool changed since the last check;
// 4. a Service that is eligible and pending while its pool has space is a violation (it should
//    have got an address within the settle time);
// 5. every Service refused an address has a Warning Event;
// 6. exactly one writer: each status write, ordered by its resourceVersion against the Lease's
//    versions (one etcd revision counter), was made by the Lease holder of that moment.
import { formatIp, parseIp } from '../../shared/ip/address.js';
import { parsePoolEntry, rangeContains, type IpRange } from '../../shared/ip/range.js';

export interface ServiceView {
  readonly name: string;
  readonly ips: readonly string[];
  /** The allow-shared-ip key ('' when none). */
  readonly sharingKey: string;
  readonly ports: readonly string[];
  /** metallb.io/address-pool, or undefined. */
  readonly pool?: string;
  /** Warning Events' reasons on the Service. */
  readonly warnings: readonly string[];
}

export interface PoolView {
  readonly name: string;
  readonly addresses: readonly string[];
}

export interface WriteRecord {
  readonly writer: string;
  readonly resourceVersion: number;
  readonly service: string;
}

export interface LeaseVersion {
  readonly resourceVersion: number;
  readonly holder: string;
}

const rangesOf = (p: PoolView): IpRange[] =>
  p.addresses.flatMap((a) => {
    const r = parsePoolEntry(a);
    return r.ok ? [r.value] : [];
  });

function inPool(ip: string, pool: PoolView): boolean {
  const parsed = parseIp(ip);
  return parsed.ok && rangesOf(pool).some((r) => rangeContains(r, parsed.value));
}

/** Free addresses left in a pool given the IPs in use (small pools only: counts by enumeration). */
export function poolHasSpace(pool: PoolView, used: ReadonlySet<string>, limit = 4096): boolean {
  let seen = 0;
  for (const r of rangesOf(pool)) {
    if (r.family !== 4) return true; // IPv6 pools in these runs are never exhausted
    for (let v = r.first; v <= r.last && seen < limit; v++, seen++) {
      if (!used.has(formatIp({ family: 4, value: v }))) return true;
    }
  }
  return false;
}

export function checkAddresses(services: readonly ServiceView[], pools: readonly PoolView[]): string[] {
  const problems: string[] = [];
  const byIp = new Map<string, ServiceView[]>();
  for (const s of services) for (const ip of s.ips) byIp.set(ip, [...(byIp.get(ip) ?? []), s]);
  for (const [ip, users] of byIp) {
    if (users.length < 2) continue;
    const keys = new Set(users.map((u) => u.sharingKey));
    const ports = users.flatMap((u) => u.ports);
    if (keys.size !== 1 || keys.has('') || new Set(ports).size !== ports.length) {
      problems.push(`${ip} held by ${users.map((u) => u.name).join(', ')} without valid sharing`);
    }
  }
  for (const s of services) {
    const allowed = s.pool !== undefined ? pools.filter((p) => p.name === s.pool) : pools;
    for (const ip of s.ips) if (!allowed.some((p) => inPool(ip, p))) problems.push(`${s.name}: ${ip} is in no pool it may use`);
  }
  return problems;
}

/** IPs that moved although neither the Service's request nor its pools changed since `before`. */
export function checkStable(before: ReadonlyMap<string, string>, services: readonly ServiceView[], changed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const s of services) {
    const was = before.get(s.name);
    const now = [...s.ips].sort().join(',');
    if (was !== undefined && was !== '' && was !== now && !changed.has(s.name)) problems.push(`${s.name}: ${was} -> ${now || 'nothing'} without a change to its request or pool`);
  }
  return problems;
}

/** Pending Services with room in a pool they may use, and refused ones without a Warning. */
export function checkPending(services: readonly ServiceView[], pools: readonly PoolView[]): string[] {
  const problems: string[] = [];
  const used = new Set(services.flatMap((s) => s.ips));
  for (const s of services) {
    if (s.ips.length > 0) continue;
    const allowed = s.pool !== undefined ? pools.filter((p) => p.name === s.pool) : pools;
    if (s.sharingKey === '' && allowed.some((p) => poolHasSpace(p, used))) problems.push(`${s.name}: pending although its pool has space`);
    if (s.warnings.length === 0) problems.push(`${s.name}: refused without a Warning Event`);
  }
  return problems;
}

/** Writes not made by the Lease holder of their moment. */
export function checkSingleWriter(writes: readonly WriteRecord[], lease: readonly LeaseVersion[]): string[] {
  const versions = [...lease].sort((a, b) => a.resourceVersion - b.resourceVersion);
  const problems: string[] = [];
  for (const w of writes) {
    let holder: string | undefined;
    for (const v of versions) {
      if (v.resourceVersion > w.resourceVersion) break;
      holder = v.holder;
    }
    if (holder !== w.writer) problems.push(`${w.service} written at rv ${w.resourceVersion} by ${w.writer} while the Lease named ${holder ?? 'nobody'}`);
  }
  return problems;
}
