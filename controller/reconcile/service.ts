// One Service's reconcile as a decision: given the Service as last seen and the allocator, what the
// status and the pool annotation should be, which Events to emit and what to log. The I/O shell
// applies it (one status+annotation write, the Events, the log lines) and nothing else, so every
// rule lives here or in the allocator. The order of checks is MetalLB's convergeBalancer.
import { ANNOTATION, DEPRECATED_ANNOTATION, type Labels } from '../../shared/api/types.js';
import { formatIp, parseIp, type IpAddress } from '../../shared/ip/address.js';
import type { ServiceAdvertisement } from '../../shared/api/advertisement.js';
import { servedByClass } from '../../shared/api/lb-class.js';
import type { Allocator } from '../allocator/allocator.js';
import { deprecatedUserAnnotations, deprecationWarnings, quoteIps, readServiceRequest, serviceKey, type ServiceLike } from '../allocator/request.js';

export interface ServiceEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly event: string;
  readonly msg: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What l2lb owns on a Service: status.loadBalancer.ingress and one annotation. */
export interface OwnedState {
  readonly ingress: readonly { readonly ip: string }[];
  /** undefined: the annotation must be absent. */
  readonly pool: string | undefined;
}

export interface ServiceDecision {
  readonly key: string;
  /**
   * Present when the Service's owned state must change: write status and annotation together, and
   * delete removeAnnotations (the old metallb.universe.tf/ip-allocated-from-pool, if present).
   */
  readonly write?: OwnedState & { readonly removeAnnotations: readonly string[] };
  readonly events: readonly ServiceEvent[];
  readonly logs: readonly LogEntry[];
  /** Addresses were freed: Services waiting for an address should be reconciled again. */
  readonly retryPending: boolean;
  /** The Service waits for an address (allocation failed); retry when addresses free up. */
  readonly pending: boolean;
  /** Set when the Service's pool is announced by no L2Advertisement (also emitted on a write). */
  readonly unannounced?: string;
}

export interface ReconcileContext {
  /**
   * The pool informers have synced and the allocator has the pools. Until then nothing is decided:
   * judging assigned Services against no pools would clear every address (restart safety).
   */
  readonly poolsLoaded: boolean;
  /** --lb-class: undefined or '' serves Services without spec.loadBalancerClass. */
  readonly lbClass?: string;
  /** Labels of the Service's Namespace (serviceAllocation.namespaceSelectors). */
  readonly namespaceLabels: Labels;
  /** For adoptExisting, which sees Services of many namespaces; falls back to namespaceLabels. */
  readonly namespaceLabelsOf?: (namespace: string) => Labels;
  /** Whether some L2Advertisement (or a legacy layer2 AddressPool) announces the pool. */
  /** Whether an L2Advertisement announces this Service's addresses from the pool. */
  readonly advertisement: (pool: string, serviceLabels: Labels) => ServiceAdvertisement;
}

const q = JSON.stringify;


function currentState(svc: ServiceLike): { ips: IpAddress[]; bad?: string; owned: OwnedState } {
  const ingress = (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip !== undefined && i.ip !== '');
  const ips: IpAddress[] = [];
  let bad: string | undefined;
  for (const i of ingress) {
    const p = parseIp(i.ip!);
    if (p.ok) ips.push(p.value);
    else bad ??= `invalid IP ${q(i.ip)} in status.loadBalancer.ingress`;
  }
  const pool = svc.metadata?.annotations?.[ANNOTATION.ipAllocatedFromPool];
  return { ips, ...(bad ? { bad } : {}), owned: { ingress: ingress.map((i) => ({ ip: i.ip! })), pool } };
}

const sameOwned = (a: OwnedState, b: OwnedState): boolean =>
  a.pool === b.pool && a.ingress.length === b.ingress.length && a.ingress.every((x, i) => x.ip === b.ingress[i]!.ip);

const sameIpSet = (a: readonly IpAddress[], b: readonly IpAddress[]): boolean =>
  a.length === b.length && a.every((x) => b.some((y) => x.family === y.family && x.value === y.value));

const CLEARED: OwnedState = { ingress: [], pool: undefined };

export { servedByClass };

export function reconcileService(key: string, svc: ServiceLike | undefined, alloc: Allocator, ctx: ReconcileContext): ServiceDecision {
  const events: ServiceEvent[] = [];
  const logs: LogEntry[] = [];
  const heldBefore = alloc.get(key)?.ips ?? [];
  const done = (desired: OwnedState | undefined, current: OwnedState | undefined, pending: boolean, unannounced?: string): ServiceDecision => {
    const stale = Object.prototype.hasOwnProperty.call(svc?.metadata?.annotations ?? {}, DEPRECATED_ANNOTATION.ipAllocatedFromPool)
      ? [DEPRECATED_ANNOTATION.ipAllocatedFromPool]
      : [];
    const write = desired !== undefined && current !== undefined && !sameOwned(desired, current) ? { ...desired, removeAnnotations: stale } : undefined;
    const all = [...events];
    if (write !== undefined && svc !== undefined) {
      // Like MetalLB, deprecations are reported when l2lb changes the Service, not on every resync.
      for (const k of deprecatedUserAnnotations(svc.metadata?.annotations ?? {})) {
        logs.push({ level: 'warn', event: 'deprecatedAnnotation', msg: 'The used annotation is deprecated. Support might get removed in future versions', fields: { annotation: k } });
      }
      for (const m of deprecationWarnings(readServiceRequest(svc))) all.push({ type: 'Warning', reason: 'deprecatedAnnotation', message: m });
      if (unannounced !== undefined) all.push({ type: 'Warning', reason: 'NotAnnounced', message: unannounced });
    }
    const now = alloc.get(key)?.ips ?? [];
    const released = heldBefore.some((x) => !now.some((y) => x.family === y.family && x.value === y.value));
    return {
      key,
      ...(write ? { write } : {}),
      events: all,
      logs,
      retryPending: released,
      pending,
      ...(unannounced !== undefined ? { unannounced } : {}),
    };
  };

  if (!ctx.poolsLoaded) {
    logs.push({ level: 'debug', event: 'noConfig', msg: 'not processing, still waiting for config' });
    return done(undefined, undefined, false);
  }
  if (svc === undefined) {
    if (alloc.release(key)) logs.push({ level: 'info', event: 'serviceDeleted', msg: 'service deleted' });
    return done(undefined, undefined, false);
  }
  const cur = currentState(svc);
  if (svc.spec?.type !== 'LoadBalancer') {
    // Checked before the class: leaving LoadBalancer also removes spec.loadBalancerClass (the API
    // allows a class only on LoadBalancer Services), so the class no longer says whose it was.
    // What this controller held, it clears; otherwise only a Service of its class.
    const held = alloc.release(key);
    if (!held && !servedByClass(svc.spec?.loadBalancerClass, ctx.lbClass)) return done(undefined, undefined, false);
    if (held || cur.owned.ingress.length > 0 || cur.owned.pool !== undefined) {
      logs.push({ level: 'debug', event: 'clearAssignment', msg: 'not a LoadBalancer', fields: { reason: 'notLoadBalancer' } });
    }
    // Only clear what l2lb wrote: a non-LoadBalancer Service with our annotation.
    return done(cur.owned.pool !== undefined ? CLEARED : undefined, cur.owned, false);
  }
  if (!servedByClass(svc.spec?.loadBalancerClass, ctx.lbClass)) {
    // Another implementation's Service: never touch it.
    alloc.release(key);
    return done(undefined, undefined, false);
  }

  const req = readServiceRequest(svc, ctx.namespaceLabels);
  const clear = (reason: string, event?: ServiceEvent): void => {
    alloc.release(key);
    logs.push({ level: 'info', event: 'clearAssignment', msg: reason });
    if (event) events.push(event);
  };

  if (req.family === undefined) {
    clear('No ClusterIPs');
    events.push({ type: 'Warning', reason: 'AllocationFailed', message: `Failed to allocate IP for ${q(key)}: ${req.familyError}` });
    return done(CLEARED, cur.owned, true);
  }

  let ips: readonly IpAddress[] = cur.ips;
  if (cur.bad !== undefined) {
    clear(cur.bad);
    ips = [];
  }
  if (ips.length > 0) {
    const adopted = alloc.adopt(req, ips);
    if (!adopted.ok) {
      clear('current IP not allowed by config, clearing', {
        type: 'Normal',
        reason: 'ClearAssignment',
        message: `current IP for ${q(key)} not allowed by config, will attempt for new IP assignment: ${adopted.reason}`,
      });
      ips = [];
    }
  }
  if (ips.length > 0 && req.desiredPool !== undefined && alloc.get(key)?.pool !== req.desiredPool) {
    clear('user requested a different pool than the one currently assigned', {
      type: 'Normal',
      reason: 'ClearAssignment',
      message: `current IP for ${q(key)} is from pool ${q(alloc.get(key)?.pool ?? '')}, but metallb.io/address-pool requests ${q(req.desiredPool)}: will attempt for new IP assignment`,
    });
    ips = [];
  }
  if (ips.length > 0 && req.requestError !== undefined) {
    // Keep the current address: a typo in an annotation must not take a working IP away.
    events.push({ type: 'Warning', reason: 'LoadBalancerFailed', message: `invalid requested loadbalancer IPs: ${req.requestError}` });
    return done(undefined, cur.owned, false);
  }
  if (ips.length > 0 && req.requestedIps.length > 0 && !sameIpSet(ips, req.requestedIps)) {
    clear('user requested a different IP than the one currently assigned', {
      type: 'Normal',
      reason: 'ClearAssignment',
      message: `current IP for ${q(key)} is ${quoteIps(ips)}, but ${quoteIps(req.requestedIps)} is requested: will attempt for new IP assignment`,
    });
    ips = [];
  }

  if (ips.length === 1 && req.policy === 'PreferDualStack' && req.family === 'dual') {
    const more = alloc.assignAdditionalFamily(req);
    if (more.ok) {
      const added = more.ips[1]!;
      ips = more.ips;
      logs.push({ level: 'info', event: 'ipAllocated', msg: 'Additional IP address assigned by controller', fields: { ip: formatIp(added) } });
      events.push({ type: 'Normal', reason: 'IPAllocated', message: `Assigned additional IP ${q(formatIp(added))}` });
    } else {
      events.push({ type: 'Normal', reason: 'AdditionalAssignFailed', message: `cannot assign additional IP in PreferDualStack: ${more.reason}` });
    }
  }

  if (ips.length === 0) {
    const r = alloc.assign(req);
    if (!r.ok) {
      logs.push({ level: 'error', event: 'allocationFailed', msg: 'IP allocation failed', fields: { op: 'allocateIPs', error: r.reason } });
      events.push({ type: 'Warning', reason: 'AllocationFailed', message: `Failed to allocate IP for ${q(key)}: ${r.reason}` });
      return done(CLEARED, cur.owned, true);
    }
    ips = r.ips;
    logs.push({ level: 'info', event: 'ipAllocated', msg: 'IP address assigned by controller', fields: { ip: ips.map(formatIp) } });
    events.push({ type: 'Normal', reason: 'IPAllocated', message: `Assigned IP ${quoteIps(ips)}` });
  }

  const pool = alloc.get(key)!.pool;
  const unannounced = unannouncedMessage(ctx.advertisement(pool, svc.metadata?.labels ?? {}), ips, pool);
  return done({ ingress: ips.map((ip) => ({ ip: formatIp(ip) })), pool }, cur.owned, false, unannounced);
}

/**
 * Phase one of a (re)start or leader takeover: record the addresses every served LoadBalancer
 * Service already has, before any reconcile may allocate. Without it a Service reconciled early
 * (a new one, or a PreferDualStack one gaining its second family) could take an address that
 * belongs to a Service not yet seen. Invalid addresses are skipped here; the full reconcile that
 * follows (in resyncOrder) clears and replaces them with Events. Returns how many were adopted.
 */
export function adoptExisting(services: readonly ServiceLike[], alloc: Allocator, ctx: ReconcileContext): number {
  let adopted = 0;
  for (const svc of resyncOrder(services)) {
    if (svc.spec?.type !== 'LoadBalancer' || !servedByClass(svc.spec.loadBalancerClass, ctx.lbClass)) continue;
    const cur = currentState(svc);
    if (cur.bad !== undefined || cur.ips.length === 0) continue;
    const req = readServiceRequest(svc, ctx.namespaceLabelsOf?.(svc.metadata?.namespace ?? '') ?? ctx.namespaceLabels);
    if (alloc.adopt(req, cur.ips).ok) adopted++;
  }
  return adopted;
}

/**
 * The order a (re)starting controller reconciles Services in: those that already have addresses
 * first, so each keeps its own (DESIGN rule 6); then the waiting ones, oldest first.
 */
export function resyncOrder<S extends ServiceLike>(services: readonly S[]): S[] {
  const created = (s: ServiceLike): number => {
    const t = s.metadata?.creationTimestamp;
    const ms = t === undefined ? NaN : t instanceof Date ? t.getTime() : Date.parse(t);
    return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
  };
  const hasIp = (s: ServiceLike): boolean => (s.status?.loadBalancer?.ingress ?? []).some((i) => i.ip);
  return [...services].sort(
    (a, b) =>
      Number(hasIp(b)) - Number(hasIp(a)) ||
      created(a) - created(b) ||
      (serviceKey(a.metadata) < serviceKey(b.metadata) ? -1 : serviceKey(a.metadata) > serviceKey(b.metadata) ? 1 : 0),
  );
}

/** Why no node answers ARP/NDP for the Service's addresses, or undefined when one does. */
function unannouncedMessage(verdict: ServiceAdvertisement, ips: readonly IpAddress[], pool: string): string | undefined {
  const what = `IP ${quoteIps(ips)} from pool ${q(pool)} is not announced`;
  if (verdict === 'poolNotAdvertised') return `${what}: no L2Advertisement selects pool ${q(pool)}, so no node answers ARP/NDP for it`;
  if (verdict === 'serviceNotSelected') return `${what}: the L2Advertisements of pool ${q(pool)} have serviceSelectors and none matches this Service's labels`;
  return undefined;
}
