// Which of a Service's spec.externalIPs the speaker announces (opt-in: --announce-external-ips).
// externalIPs are a known attack surface (CVE-2020-8554: anyone who may create a Service can claim
// any address), so an address is announced only when it lies inside an IPAddressPool whose
// serviceAllocation admits the Service, is not another Service's LoadBalancer IP, and comes from
// the same pool as the Service's other IPs (one pool per Service keeps the L2Advertisement rules
// unambiguous). Everything refused is reported with the reason. Pure.
import { parseIp, formatIp } from '../../shared/ip/address.js';
import { rangeContains } from '../../shared/ip/range.js';
import type { ValidPool } from '../../shared/api/validate.js';
import type { Labels } from '../../shared/api/types.js';
import { poolAllowsService } from '../../controller/allocator/pool-order.js';
import { ownerFor } from '../election/rank.js';

export interface ExternalIpRefusal {
  readonly ip: string;
  readonly why: string;
}

export interface ExternalIpDecision {
  /** Canonical text of the externalIPs to announce with the Service's other IPs. */
  readonly accepted: readonly string[];
  /** The pool the accepted addresses lie in (null when none is accepted). */
  readonly pool: string | null;
  readonly refused: readonly ExternalIpRefusal[];
}

export interface ExternalIpContext {
  readonly enabled: boolean;
  readonly pools: readonly ValidPool[];
  /** Canonical LoadBalancer IP -> the Services holding it (namespace/name). */
  readonly lbIpHolders: ReadonlyMap<string, readonly string[]>;
}

export interface ExternalIpService {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly externalIPs: readonly string[];
  /** Canonical LoadBalancer IPs the Service has, and the pool they came from. */
  readonly lbIps: readonly string[];
  readonly lbPool: string | null;
}

export const EXTERNAL_IPS_OFF = 'announcing spec.externalIPs is off (speaker flag --announce-external-ips, chart value speaker.announceExternalIPs; off by default because of CVE-2020-8554)';

export function judgeExternalIps(svc: ExternalIpService, ctx: ExternalIpContext): ExternalIpDecision {
  const accepted: string[] = [];
  const refused: ExternalIpRefusal[] = [];
  let pool = svc.lbPool;
  for (const text of svc.externalIPs) {
    const parsed = parseIp(text);
    if (!parsed.ok) {
      refused.push({ ip: text, why: 'is not an IP address' });
      continue;
    }
    const ip = formatIp(parsed.value);
    if (svc.lbIps.includes(ip) || accepted.includes(ip)) continue; // announced anyway
    if (!ctx.enabled) {
      refused.push({ ip, why: EXTERNAL_IPS_OFF });
      continue;
    }
    const holders = (ctx.lbIpHolders.get(ip) ?? []).filter((k) => k !== svc.key);
    if (holders.length > 0) {
      refused.push({ ip, why: `is the LoadBalancer IP of ${holders.join(', ')}` });
      continue;
    }
    const inPool = ctx.pools.find((p) => p.ranges.some((r) => rangeContains(r, parsed.value)));
    if (!inPool) {
      refused.push({ ip, why: 'lies in no IPAddressPool (only addresses of a pool the Service may use are announced)' });
      continue;
    }
    if (!poolAllowsService(inPool, { namespace: svc.namespace, labels: svc.labels, namespaceLabels: {} })) {
      const nsOnly = (inPool.serviceAllocation?.namespaceSelectors.length ?? 0) > 0 ? ' (namespaceSelectors are not evaluated for externalIPs: list the namespace in serviceAllocation.namespaces)' : '';
      refused.push({ ip, why: `lies in pool ${inPool.name}, whose serviceAllocation does not admit this Service${nsOnly}` });
      continue;
    }
    if (pool !== null && inPool.name !== pool) {
      refused.push({ ip, why: `lies in pool ${inPool.name}, but the Service's other IPs are from pool ${pool}` });
      continue;
    }
    pool = inPool.name;
    accepted.push(ip);
  }
  return { accepted, pool: accepted.length > 0 ? pool : null, refused };
}

/** One line for a Warning Event: every refused address and why. */
export const refusalMessage = (refused: readonly ExternalIpRefusal[]): string =>
  `spec.externalIPs not announced: ${refused.map((r) => `${r.ip} ${r.why}`).join('; ')}`;

/**
 * The refusals this speaker reports: each Service's goes to one speaker only (the first by the
 * election's hash of its first refused address among the live nodes), so the cluster emits one
 * Event per change, not one per node.
 */
export function refusalsToReport(me: string, refusals: ReadonlyMap<string, readonly ExternalIpRefusal[]>, liveNodes: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, list] of refusals) {
    const first = list[0];
    if (first !== undefined && ownerFor(first.ip, liveNodes) === me) out.set(key, refusalMessage(list));
  }
  return out;
}
