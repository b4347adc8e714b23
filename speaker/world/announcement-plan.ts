// From election results to what this node announces: (VIP, interface) pairs for the announcer and
// one record per owned Service for logs, Events, metrics and ServiceL2Status. Pure.
import type { L2Advertisement } from '../../shared/api/types.js';
import { parseIp, type IpAddress } from '../../shared/ip/address.js';
import type { OwnedPair } from '../responder/owned.js';
import { memoize } from '../election/memo.js';
import type { ElectionInput, ElectionResult, NodeInfo, PoolInfo, ServiceInfo } from '../election/types.js';
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
  /**
   * Refused by a configuration rule, with the message for a Warning Event. Only the speaker the
   * Service would have elected reports it, so the cluster emits one Event, not one per node.
   */
  readonly refused: ReadonlyMap<string, string>;
}

/** MetalLB's rule, in the words its users search for. */
export const SHARED_IP_REFUSAL =
  'the Service uses the allow-shared-ip annotation but an L2Advertisement selects it with serviceSelectors, and Services matching serviceSelectors cannot share an IP: not announced. Remove the annotation or the serviceSelectors match';

/** What a plan reads besides the results: the same for every pass over the same objects and interfaces. */
export interface PlanContext {
  readonly me: string;
  readonly node: NodeInfo | undefined;
  readonly pools: ReadonlyMap<string, PoolInfo>;
  readonly advertisements: readonly L2Advertisement[];
  readonly usableInterfaces: readonly string[];
  /**
   * The interface choice per pool and set of applicable advertisements (this node is fixed):
   * computed once per such set, not per Service, and kept for the context's passes.
   */
  readonly interfacesOf: Map<string, string[]>;
}

export function planContext(me: string, input: ElectionInput, advertisements: readonly L2Advertisement[], usableInterfaces: readonly string[]): PlanContext {
  return { me, node: input.nodes.find((n) => n.name === me), pools: new Map(input.pools.map((p) => [p.name, p])), advertisements, usableInterfaces, interfacesOf: new Map() };
}

/** One Service's part of the plan. */
interface ServicePlan {
  readonly owned?: OwnedService;
  readonly failed?: string;
  readonly refused?: string;
}

const NOTHING: ServicePlan = {};

function planService(ctx: PlanContext, svc: ServiceInfo, r: ElectionResult | undefined): ServicePlan {
  const { me, node } = ctx;
  if (!r) return NOTHING;
  if (r.reason === 'sharedIpWithServiceSelectors' && r.candidates[0] === me) return { refused: SHARED_IP_REFUSAL };
  if (r.owner !== me || !node || svc.pool === null) return NOTHING;
  const pool = ctx.pools.get(svc.pool);
  if (!pool) return NOTHING;
  const applicable = applicableAdvertisements(pool, node, svc.labels ?? {}, ctx.advertisements);
  const cacheKey = [pool.name, ...applicable.map((a) => a.metadata.name ?? '')].join('\u0000');
  let interfaces = ctx.interfacesOf.get(cacheKey);
  if (!interfaces) {
    interfaces = pickInterfaces(announceInterfaces(pool, applicable), ctx.usableInterfaces);
    ctx.interfacesOf.set(cacheKey, interfaces);
  }
  if (interfaces.length === 0) {
    const allowed = ctx.advertisements.flatMap((a) => a.spec?.interfaces ?? []);
    return {
      failed: allowed.length > 0
        ? `node ${me} has none of the interfaces the L2Advertisements allow (${[...new Set(allowed)].join(', ')}); usable here: ${ctx.usableInterfaces.join(', ') || 'none'}`
        : `node ${me} has no usable interface to announce on`,
    };
  }
  return { owned: { key: svc.key, ips: svc.ips, pool: svc.pool, interfaces } };
}

/** Every Service's part, from nothing. */
export function planAnnouncements(
  me: string,
  input: ElectionInput,
  results: ReadonlyMap<string, ElectionResult>,
  advertisements: readonly L2Advertisement[],
  usableInterfaces: readonly string[],
): AnnouncementPlan {
  return replanAnnouncements(EMPTY_PLAN, planContext(me, input, advertisements, usableInterfaces), input.services, results);
}

/**
 * The plan with the parts of `services` planned again (their results changed) and every other
 * Service's part kept: what a membership change costs is the Services it moved.
 */
export function replanAnnouncements(prev: AnnouncementPlan, ctx: PlanContext, services: Iterable<ServiceInfo>, results: ReadonlyMap<string, ElectionResult>): AnnouncementPlan {
  const owned = new Map(prev.owned);
  const failed = new Map(prev.failed);
  const refused = new Map(prev.refused);
  for (const svc of services) {
    owned.delete(svc.key);
    failed.delete(svc.key);
    refused.delete(svc.key);
    const part = planService(ctx, svc, results.get(svc.key));
    if (part.owned) owned.set(svc.key, part.owned);
    if (part.failed !== undefined) failed.set(svc.key, part.failed);
    if (part.refused !== undefined) refused.set(svc.key, part.refused);
  }
  return { pairs: pairsOf(owned.values()), owned, failed, refused };
}

export const EMPTY_PLAN: AnnouncementPlan = { pairs: [], owned: new Map(), failed: new Map(), refused: new Map() };

/** Parsed once per VIP text: every pass lists the pairs of everything this node owns. */
const parsedIp = memoize(parseIp);

/** Every IP of each owned Service on each of its interfaces, once each. */
function pairsOf(owned: Iterable<OwnedService>): OwnedPair[] {
  const seen = new Map<string, OwnedPair>();
  for (const s of owned) {
    for (const text of s.ips) {
      const p = parsedIp(text);
      if (!p.ok) continue;
      for (const interfaceName of s.interfaces) seen.set(`${p.value.family}/${p.value.value}/${interfaceName}`, { ip: p.value, interfaceName });
    }
  }
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
