// Validation of the address pools (IPAddressPool and legacy layer2 AddressPool) into what the
// allocator uses. MetalLB rejects the whole configuration when one pool is wrong; l2lb instead
// rejects only the offending pool, with a message naming what is wrong, so every other pool keeps
// serving. Overlaps are decided first-come: pools claim their addresses in order
// of the caller's precedence (the controller puts pools it already accepted, unchanged, before new
// or edited ones: pool-config.ts), then creationTimestamp, kind and name; a
// pool overlapping one already accepted is the one rejected, so adding or editing a pool never
// takes addresses away from Services of an untouched one.
import { formatIp, type IpAddress } from '../ip/address.js';
import { parsePoolEntry, rangeContains, rangesOverlap, type IpRange } from '../ip/range.js';
import { parseSelector, type Selector } from './selector.js';
import type { AddressPool, IPAddressPool, LabelSelector, Labels, ObjectMetaLike, PoolKind, ServiceAllocation } from './types.js';

export interface ServiceAllocationRules {
  /** 0 means unset: such a pool ranks after every pool with a priority. */
  readonly priority: number;
  readonly namespaces: ReadonlySet<string>;
  readonly namespaceSelectors: readonly Selector[];
  readonly serviceSelectors: readonly Selector[];
}

export interface ValidPool {
  readonly name: string;
  readonly kind: PoolKind;
  /** In the order of spec.addresses: the allocator searches them in this order (as MetalLB). */
  readonly ranges: readonly IpRange[];
  readonly autoAssign: boolean;
  readonly avoidBuggyIPs: boolean;
  readonly serviceAllocation?: ServiceAllocationRules;
  readonly labels: Labels;
  /** Legacy layer2 AddressPools are announced without an L2Advertisement. */
  readonly announcedWithoutAdvertisement: boolean;
}

export interface PoolVerdict {
  readonly name: string;
  readonly kind: PoolKind;
  readonly valid: boolean;
  /** Why the pool is not used; empty when valid. */
  readonly errors: readonly string[];
  /** Things an operator should know about a pool that is used. */
  readonly warnings: readonly string[];
  /** The entries that parsed, also for an invalid pool (to explain why its addresses are refused). */
  readonly ranges: readonly IpRange[];
}

export interface PoolValidation {
  /** Valid pools, sorted by name. */
  readonly pools: readonly ValidPool[];
  /** One verdict per input object, valid or not, in input order (IPAddressPools, then AddressPools). */
  readonly verdicts: readonly PoolVerdict[];
}

export interface ValidateOptions {
  /** Node InternalIP/ExternalIP addresses: a pool containing one is rejected, as in MetalLB. */
  readonly nodeAddresses?: readonly IpAddress[];
  /**
   * Overlap precedence ahead of age: lower claims its addresses first. The controller ranks pools
   * it already accepted in their current form before pools that changed, so the change that
   * introduced an overlap is the one rejected.
   */
  readonly precedence?: (kind: PoolKind, name: string) => number;
}

interface Candidate {
  readonly kind: PoolKind;
  readonly meta: ObjectMetaLike;
  readonly name: string;
  readonly addresses: readonly string[];
  readonly autoAssign: boolean;
  readonly avoidBuggyIPs: boolean;
  readonly allocation: ServiceAllocation | undefined;
  readonly errors: string[];
  readonly warnings: string[];
  ranges: IpRange[];
  rules?: ServiceAllocationRules;
}

const q = JSON.stringify;

function timeOf(meta: ObjectMetaLike): number {
  const t = meta.creationTimestamp;
  if (t === undefined) return Number.POSITIVE_INFINITY;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

function parseSelectors(sels: readonly LabelSelector[] | undefined, field: string, pool: string, errors: string[]): Selector[] {
  const out: Selector[] = [];
  const seen = new Set<string>();
  for (const s of sels ?? []) {
    const p = parseSelector(s);
    if (!p.ok) {
      errors.push(`invalid ${field} label selector in ip pool ${pool}: ${p.error}`);
      continue;
    }
    if (seen.has(p.value.text)) errors.push(`duplicate definition of ${field} ${q(p.value.text)}`);
    seen.add(p.value.text);
    out.push(p.value);
  }
  return out;
}

function parseAllocation(c: Candidate): ServiceAllocationRules | undefined {
  const a = c.allocation;
  if (a === undefined || a === null) return undefined; // null arrives from YAML `serviceAllocation:`
  const namespaces = new Set<string>();
  for (const ns of a.namespaces ?? []) {
    if (namespaces.has(ns)) c.errors.push('duplicate definition in namespaces field');
    namespaces.add(ns);
  }
  const namespaceSelectors = parseSelectors(a.namespaceSelectors, 'namespaceSelectors', c.name, c.errors);
  const serviceSelectors = parseSelectors(a.serviceSelectors, 'serviceSelectors', c.name, c.errors);
  const priority = a.priority ?? 0;
  if (!Number.isInteger(priority)) c.errors.push(`invalid serviceAllocation priority ${q(priority)}: must be an integer`);
  if (namespaces.size === 0 && namespaceSelectors.length === 0 && serviceSelectors.length === 0) {
    // MetalLB neither pins such a pool to any Service nor offers it to all: only explicit requests
    // (address-pool annotation, requested IPs) use it. Kept for identical allocations; said aloud.
    c.warnings.push(
      'serviceAllocation sets no namespaces, namespaceSelectors or serviceSelectors: as in MetalLB, addresses of this pool are only assigned on explicit request (metallb.io/address-pool or requested IPs)',
    );
  }
  return { priority, namespaces, namespaceSelectors, serviceSelectors };
}

function parseRanges(c: Candidate, nodeAddresses: readonly IpAddress[]): IpRange[] {
  if (c.addresses.length === 0) {
    c.errors.push('pool has no prefixes defined');
    return [];
  }
  const out: IpRange[] = [];
  for (const entry of c.addresses) {
    const p = parsePoolEntry(entry);
    if (!p.ok) {
      c.errors.push(`invalid CIDR ${q(entry)} in pool ${q(c.name)}: ${p.error}`);
      continue;
    }
    for (const node of nodeAddresses) {
      if (rangeContains(p.value, node)) c.errors.push(`pool cidr ${q(entry)} contains nodeIp ${q(formatIp(node))}`);
    }
    out.push(p.value);
  }
  return out;
}

function candidates(pools: readonly IPAddressPool[], legacy: readonly AddressPool[]): Candidate[] {
  const out: Candidate[] = [];
  for (const p of pools) {
    out.push({
      kind: 'IPAddressPool',
      meta: p.metadata,
      name: p.metadata.name ?? '',
      addresses: p.spec?.addresses ?? [],
      autoAssign: p.spec?.autoAssign ?? true,
      avoidBuggyIPs: p.spec?.avoidBuggyIPs ?? false,
      allocation: p.spec?.serviceAllocation,
      errors: [],
      warnings: [],
      ranges: [],
    });
  }
  for (const p of legacy) {
    const c: Candidate = {
      kind: 'AddressPool',
      meta: p.metadata,
      name: p.metadata.name ?? '',
      addresses: p.spec?.addresses ?? [],
      autoAssign: p.spec?.autoAssign ?? true,
      avoidBuggyIPs: p.spec?.avoidBuggyIPs ?? false,
      allocation: undefined,
      errors: [],
      warnings: ['AddressPool is deprecated, consider using IPAddressPool'],
      ranges: [],
    };
    if (p.spec?.protocol !== 'layer2') {
      c.errors.push(`AddressPool protocol ${q(p.spec?.protocol ?? '')} is not served: l2lb only implements layer2`);
    }
    out.push(c);
  }
  return out;
}

export function validatePools(
  pools: readonly IPAddressPool[],
  legacyPools: readonly AddressPool[] = [],
  options: ValidateOptions = {},
): PoolValidation {
  const all = candidates(pools, legacyPools);
  const byName = new Map<string, Candidate>();
  for (const c of all) {
    if (c.name === '') {
      c.errors.push('missing pool name');
      continue;
    }
    const prior = byName.get(c.name);
    // Two IPAddressPools cannot share a name in one namespace; an AddressPool can shadow one.
    if (prior !== undefined) c.errors.push(`duplicate definition of pool ${q(c.name)}: an ${prior.kind} of that name exists`);
    else byName.set(c.name, c);
    c.ranges = parseRanges(c, options.nodeAddresses ?? []);
    c.rules = parseAllocation(c);
  }

  const rank = options.precedence ?? ((): number => 0);
  const order = [...all].sort(
    (a, b) =>
      rank(a.kind, a.name) - rank(b.kind, b.name) ||
      timeOf(a.meta) - timeOf(b.meta) ||
      (a.kind === b.kind ? 0 : a.kind === 'IPAddressPool' ? -1 : 1) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const claimed: { range: IpRange; owner: Candidate }[] = [];
  for (const c of order) {
    if (c.errors.length > 0) continue;
    const mine: IpRange[] = [];
    for (const r of c.ranges) {
      for (const other of [...claimed, ...mine.map((range) => ({ range, owner: c }))]) {
        if (!rangesOverlap(r, other.range)) continue;
        c.errors.push(`CIDR ${q(r.text)} in pool ${q(c.name)} overlaps with already defined CIDR ${q(other.range.text)} in pool ${q(other.owner.name)}`);
        if (other.owner !== c) {
          other.owner.warnings.push(
            `CIDR ${q(other.range.text)} overlaps with CIDR ${q(r.text)} of pool ${q(c.name)}, which was rejected for it`,
          );
        }
      }
      mine.push(r);
    }
    if (c.errors.length === 0) for (const range of mine) claimed.push({ range, owner: c });
  }

  const valid: ValidPool[] = all
    .filter((c) => c.errors.length === 0)
    .map((c) => ({
      name: c.name,
      kind: c.kind,
      ranges: c.ranges,
      autoAssign: c.autoAssign,
      avoidBuggyIPs: c.avoidBuggyIPs,
      ...(c.rules ? { serviceAllocation: c.rules } : {}),
      labels: c.meta.labels ?? {},
      announcedWithoutAdvertisement: c.kind === 'AddressPool',
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    pools: valid,
    verdicts: all.map((c) => ({ name: c.name, kind: c.kind, valid: c.errors.length === 0, errors: c.errors, warnings: c.warnings, ranges: c.ranges })),
  };
}
