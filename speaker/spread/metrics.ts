// Metrics of flow spreading: what the owner's rules counted per Service and node, and the table.
import { Counter, Gauge, type Registry } from '../../shared/metrics/prom.js';

type Labels = 'service' | 'node' | 'kind';

export interface SpreadMetrics {
  readonly packets: Counter<Labels>;
  readonly bytes: Counter<Labels>;
  readonly flows: Counter<Labels>;
  readonly buckets: Gauge<'service' | 'node'>;
  readonly applyErrors: Counter;
  readonly strayPackets: Counter<'service'>;
}

export function spreadMetrics(registry: Registry): SpreadMetrics {
  const registers = [registry];
  const kind = 'kind: forwarded (sent to the node), local (this node\'s own buckets), unresolved (the node\'s MAC is not known yet: kept here)';
  return {
    packets: new Counter({ name: 'l2lb_spread_packets_total', help: `Packets of spread Services this owner handled, by destination node; ${kind}`, labelNames: ['service', 'node', 'kind'], registers }),
    bytes: new Counter({ name: 'l2lb_spread_bytes_total', help: `Bytes of spread Services this owner handled, by destination node; ${kind}`, labelNames: ['service', 'node', 'kind'], registers }),
    flows: new Counter({ name: 'l2lb_spread_flows_total', help: `TCP connection attempts (SYN) of spread Services, by destination node; ${kind}`, labelNames: ['service', 'node', 'kind'], registers }),
    buckets: new Gauge({ name: 'l2lb_spread_buckets', help: 'Hash buckets each node serves, per spread Service this node owns', labelNames: ['service', 'node'], registers }),
    strayPackets: new Counter({ name: 'l2lb_spread_stray_packets_total', help: 'Packets for a spread Service with externalTrafficPolicy Local that reached this node although it has no ready endpoint of it (kube-proxy drops them)', labelNames: ['service'], registers }),
    applyErrors: new Counter({ name: 'l2lb_spread_apply_errors_total', help: 'Failed attempts to install or remove the spreading rules (nft)', registers }),
  };
}
