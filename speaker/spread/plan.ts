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
