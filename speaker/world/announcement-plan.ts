// From election results to what this node announces: (VIP, interface) pairs for the announcer and
// one record per owned Service for logs, Events, metrics and ServiceL2Status. Pure.
import type { L2Advertisement } from '../../shared/api/types.js';
import { parseIp, type IpAddress } from '../../shared/ip/address.js';
import type { OwnedPair } from '../responder/owned.js';
import type { ElectionInput, ElectionReason, ElectionResult } from '../election/types.js';
import { announceInterfaces, applicableAdvertisements, pickInterfaces } from './announce-interfaces.js';

export interface OwnedService {
  readonly key: string;
  readonly ips: readonly string[];
  readonly pool: string;
  readonly interfaces: readonly string[];
}

export interface AnnouncementPlan {
  readonly pairs: readonly OwnedPair[];
  readonly owned: ReadonlyMap<string, OwnedService>;
  /** Elected here, but none of the usable interfaces is allowed: announceFailed. */
  readonly failed: ReadonlyMap<string, string>;
  /** Why each Service is not announced by anyone (for the withdrawal log). */
  readonly reasons: ReadonlyMap<string, ElectionReason>;
  /**
   * Refused by a configuration rule, with the message for a Warning Event. Only the speaker the
   * Service would have elected reports it, so the cluster emits one Event, not one per node.
   */
  readonly refused: ReadonlyMap<string, string>;
}

/** MetalLB's rule, in the words its users search for. */
export const SHARED_IP_REFUSAL =
  'the Service uses the allow-shared-ip annotation but an L2Advertisement selects it with serviceSelectors, and Services matching serviceSelectors cannot share an IP: not announced. Remove the annotation or the serviceSelectors match';

export function planAnnouncements(
  me: string,
  input: ElectionInput,
  results: ReadonlyMap<string, ElectionResult>,
  advertisements: readonly L2Advertisement[],
  usableInterfaces: readonly string[],
): AnnouncementPlan {
  const pairs: OwnedPair[] = [];
  const owned = new Map<string, OwnedService>();
  const failed = new Map<string, string>();
  const reasons = new Map<string, ElectionReason>();
  const refused = new Map<string, string>();
  const node = input.nodes.find((n) => n.name === me);
  const pools = new Map(input.pools.map((p) => [p.name, p]));
  // The interface choice depends only on the advertisements that apply (this node is fixed): once
  // per pool and set of advertisements, not per Service.
  const interfacesOf = new Map<string, string[]>();
  for (const svc of input.services) {
    const r = results.get(svc.key);
    if (!r) continue;
    reasons.set(svc.key, r.reason);
    if (r.reason === 'sharedIpWithServiceSelectors' && r.candidates[0] === me) refused.set(svc.key, SHARED_IP_REFUSAL);
    if (r.owner !== me || !node || svc.pool === null) continue;
    const pool = pools.get(svc.pool);
    if (!pool) continue;
    const applicable = applicableAdvertisements(pool, node, svc.labels ?? {}, advertisements);
    const cacheKey = [pool.name, ...applicable.map((a) => a.metadata.name ?? '')].join('\u0000');
    let interfaces = interfacesOf.get(cacheKey);
    if (!interfaces) {
      interfaces = pickInterfaces(announceInterfaces(pool, applicable), usableInterfaces);
      interfacesOf.set(cacheKey, interfaces);
    }
    if (interfaces.length === 0) {
      const allowed = advertisements.flatMap((a) => a.spec?.interfaces ?? []);
      failed.set(svc.key, allowed.length > 0
        ? `node ${me} has none of the interfaces the L2Advertisements allow (${[...new Set(allowed)].join(', ')}); usable here: ${usableInterfaces.join(', ') || 'none'}`
        : `node ${me} has no usable interface to announce on`);
      continue;
    }
    const ips = svc.ips.map((t) => parseIp(t)).flatMap((p) => (p.ok ? [p.value] : []));
    for (const ip of ips) for (const interfaceName of interfaces) pairs.push({ ip, interfaceName });
    owned.set(svc.key, { key: svc.key, ips: svc.ips, pool: svc.pool, interfaces });
  }
  return { pairs: dedupe(pairs), owned, failed, reasons, refused };
}

function dedupe(pairs: readonly OwnedPair[]): OwnedPair[] {
  const seen = new Map<string, OwnedPair>();
  for (const p of pairs) seen.set(`${p.ip.family}/${p.ip.value}/${p.interfaceName}`, p);
  return [...seen.values()];
}

export interface OwnershipDiff {
  readonly gained: readonly OwnedService[];
  readonly lost: readonly OwnedService[];
  /** Still owned but the IPs or interfaces changed. */
  readonly changed: readonly OwnedService[];
}

export function diffOwnership(before: ReadonlyMap<string, OwnedService>, after: ReadonlyMap<string, OwnedService>): OwnershipDiff {
  const gained: OwnedService[] = [];
  const lost: OwnedService[] = [];
  const changed: OwnedService[] = [];
  const same = (a: OwnedService, b: OwnedService): boolean =>
    a.pool === b.pool && a.ips.join() === b.ips.join() && a.interfaces.join() === b.interfaces.join();
  for (const [k, s] of after) {
    const prev = before.get(k);
    if (!prev) gained.push(s);
    else if (!same(prev, s)) changed.push(s);
  }
  for (const [k, s] of before) if (!after.has(k)) lost.push(s);
  return { gained, lost, changed };
}

export const ipFamilyName = (ip: IpAddress): string => (ip.family === 4 ? 'ipv4' : 'ipv6');
