// Which of this node's owned Services spread their flows, over which nodes, on which interfaces.
// Pure: the election's results and the announcement plan in, one entry per spread Service out.
//
// The nodes are the election's candidates for the Service: alive in membership (the election
// never lists anyone else) and eligible, i.e. nodes with an active endpoint under
// externalTrafficPolicy Local and the advertisements' candidate nodes under Cluster. The table
// is a function of that set alone, so a new owner after a failover rebuilds the same table.
import { parseIp, type IpAddress } from '../../shared/ip/address.js';
import type { ElectionResult } from '../election/types.js';
import type { OwnedService } from '../world/announcement-plan.js';
import type { StrayWatch } from './render.js';
import { spreadSetting, type SpreadSetting } from './settings.js';
import { spreadTable, type SpreadTable } from './table.js';

export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePort {
  readonly protocol: PortProtocol;
  readonly port: number;
}

/** What the plan reads of a Service beyond the election: its annotations and ports. */
export interface SpreadServiceFacts {
  readonly annotations: Readonly<Record<string, string>> | undefined;
  readonly ports: readonly ServicePort[];
}

export interface SpreadService {
  readonly key: string;
  readonly ips: readonly IpAddress[];
  readonly ports: readonly ServicePort[];
  readonly interfaces: readonly string[];
  /** Eligible nodes, sorted. */
  readonly nodes: readonly string[];
  readonly table: SpreadTable;
}

export interface SpreadPlanInput {
  readonly owned: ReadonlyMap<string, OwnedService>;
  readonly results: ReadonlyMap<string, ElectionResult>;
  readonly services: ReadonlyMap<string, SpreadServiceFacts>;
  readonly poolAnnotations: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>;
}

export interface SpreadPlan {
  readonly services: readonly SpreadService[];
  /** Services whose annotations could not be read, with why (for a Warning Event and a log line). */
  readonly invalid: ReadonlyMap<string, string>;
}

/** The ports a Service declares, as the plan needs them; unknown protocols and bad numbers are dropped. */
export function servicePorts(ports: readonly { readonly protocol?: string; readonly port?: number }[] | undefined): ServicePort[] {
  const out = new Map<string, ServicePort>();
  for (const p of ports ?? []) {
    const protocol = (p.protocol ?? 'TCP').toUpperCase();
    if ((protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') || p.port === undefined) continue;
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65_535) continue;
    out.set(`${protocol}/${p.port}`, { protocol, port: p.port });
  }
  return [...out.values()].sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port));
}

export function planSpreading(input: SpreadPlanInput): SpreadPlan {
  const services: SpreadService[] = [];
  const invalid = new Map<string, string>();
  for (const owned of [...input.owned.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const facts = input.services.get(owned.key);
    if (!facts) continue;
    const setting: SpreadSetting = spreadSetting(facts.annotations, input.poolAnnotations.get(owned.pool), owned.pool);
    if (setting.error !== undefined) invalid.set(owned.key, setting.error);
    if (!setting.enabled) continue;
    const result = input.results.get(owned.key);
    const nodes = [...new Set(result?.candidates ?? [])].sort();
    // Alone, or nothing to match on: the owner takes everything, as without spreading.
    if (nodes.length < 2 || facts.ports.length === 0) continue;
    const ips = owned.ips.flatMap((t) => {
      const p = parseIp(t);
      return p.ok ? [p.value] : [];
    });
    if (ips.length === 0) continue;
    services.push({ key: owned.key, ips, ports: facts.ports, interfaces: owned.interfaces, nodes, table: spreadTable(nodes) });
  }
  return { services, invalid };
}

/** What planStrays reads of every Service: the plan's facts plus its policy and IPs. */
export interface StrayCandidate extends SpreadServiceFacts {
  readonly key: string;
  readonly local: boolean;
  readonly pool: string | null;
  readonly ips: readonly string[];
}

/**
 * Spread Services with externalTrafficPolicy Local that another node owns and for which this
 * node has no active endpoint (it is not among the election's candidates): no flow should reach
 * it, so the ones that do are counted (render.ts StrayWatch).
 */
export function planStrays(me: string, services: Iterable<StrayCandidate>, results: ReadonlyMap<string, ElectionResult>, poolAnnotations: SpreadPlanInput['poolAnnotations'], interfaces: readonly string[]): StrayWatch[] {
  const out: StrayWatch[] = [];
  if (interfaces.length === 0) return out;
  for (const svc of services) {
    if (!svc.local || svc.ports.length === 0) continue;
    const r = results.get(svc.key);
    if (!r || r.owner === null || r.owner === me || r.candidates.includes(me) || r.candidates.length < 2) continue;
    if (!spreadSetting(svc.annotations, svc.pool === null ? undefined : poolAnnotations.get(svc.pool), svc.pool).enabled) continue;
    const ips = svc.ips.flatMap((t) => {
      const p = parseIp(t);
      return p.ok ? [p.value] : [];
    });
    if (ips.length > 0) out.push({ key: svc.key, ips, ports: svc.ports, interfaces });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
