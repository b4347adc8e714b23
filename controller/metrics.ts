// The controller's metrics: MetalLB's names (existing dashboards and alerts keep working) plus
// l2lb's per-family pool gauges, leadership and queue depth.
import type { RecorderStats } from '../shared/k8s/events.js';
import { Counter, Gauge, Registry, collectDefaultMetrics } from '../shared/metrics/prom.js';

export interface ControllerMetrics {
  readonly registry: Registry;
  readonly addressesTotal: Gauge<'pool'>;
  readonly addressesInUse: Gauge<'pool'>;
  readonly familyAddressesTotal: Gauge<'pool' | 'family'>;
  readonly familyAddressesInUse: Gauge<'pool' | 'family'>;
  readonly ipv4AddressesTotal: Gauge<'pool'>;
  readonly ipv6AddressesTotal: Gauge<'pool'>;
  readonly ipv4AddressesInUse: Gauge<'pool'>;
  readonly ipv6AddressesInUse: Gauge<'pool'>;
  readonly servicesAllocated: Gauge<'pool'>;
  readonly updates: Counter;
  readonly updateErrors: Counter;
  readonly configLoaded: Gauge;
  readonly configStale: Gauge;
  readonly apiWrites: Counter<'verb' | 'resource'>;
  readonly leader: Gauge;
  readonly queueDepth: Gauge;
}

/** What the controller's request and Event counters read from (set once the client and recorder exist). */
export interface RequestSources {
  readonly requestsSent: Readonly<Record<string, number>>;
  readonly events: Readonly<RecorderStats>;
}

/** API requests by method and Event recorder outcomes, read at scrape time. */
export function registerRequestMetrics(registry: Registry, src: RequestSources): void {
  new Gauge({
    name: 'l2lb_k8s_requests_sent',
    help: 'API requests sent so far, by method (a counter: watches count as GET)',
    labelNames: ['method'],
    registers: [registry],
    collect() {
      for (const [method, n] of Object.entries(src.requestsSent)) this.set({ method }, n);
    },
  });
  new Gauge({
    name: 'l2lb_events_recorded',
    help: 'Kubernetes Events by outcome so far: created, bumped, aggregated (counted locally), rateLimited, retried, failed (a counter)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      for (const [outcome, n] of Object.entries(src.events)) this.set({ outcome }, n);
    },
  });
}

/**
 * `beforePoolScrape` runs once per scrape, before the first pool gauge is read: the pool gauges
 * are recomputed from the allocator then, so a scrape never shows figures older than the pool
 * statuses it could be compared with.
 */
export function createControllerMetrics(beforePoolScrape?: (m: ControllerMetrics) => void): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics(registry, 'l2lb_controller_');
  const r = [registry];
  let fresh = false;
  // Every gauge of one scrape is collected in the same turn of the event loop; the next turn
  // allows the next scrape to recompute.
  const collect = (): void => {
    if (fresh || beforePoolScrape === undefined) return;
    fresh = true;
    setImmediate(() => (fresh = false));
    beforePoolScrape(m);
  };
  const pool = (name: string, help: string): Gauge<'pool'> => new Gauge({ name, help, labelNames: ['pool'], registers: r, collect });
  const perFamily = (name: string, help: string): Gauge<'pool' | 'family'> => new Gauge({ name, help, labelNames: ['pool', 'family'], registers: r, collect });
  const m: ControllerMetrics = {
    registry,
    addressesTotal: pool('metallb_allocator_addresses_total', 'Number of usable IP addresses, per pool'),
    addressesInUse: pool('metallb_allocator_addresses_in_use_total', 'Number of IP addresses in use, per pool'),
    familyAddressesTotal: perFamily('l2lb_allocator_addresses_total', 'Number of usable IP addresses, per pool and IP family'),
    familyAddressesInUse: perFamily('l2lb_allocator_addresses_in_use_total', 'Number of IP addresses in use, per pool and IP family'),
    ipv4AddressesTotal: pool('metallb_allocator_ipv4_addresses_total', 'Number of usable IPv4 addresses, per pool'),
    ipv6AddressesTotal: pool('metallb_allocator_ipv6_addresses_total', 'Number of usable IPv6 addresses, per pool'),
    ipv4AddressesInUse: pool('metallb_allocator_ipv4_addresses_in_use_total', 'Number of IPv4 addresses in use, per pool'),
    ipv6AddressesInUse: pool('metallb_allocator_ipv6_addresses_in_use_total', 'Number of IPv6 addresses in use, per pool'),
    servicesAllocated: pool('metallb_allocator_services_allocated_total', 'Number of Services with addresses from the pool'),
    updates: new Counter({ name: 'metallb_k8s_client_updates_total', help: 'Number of k8s object updates that have been processed', registers: r }),
    updateErrors: new Counter({ name: 'metallb_k8s_client_update_errors_total', help: 'Number of k8s object updates that failed for some reason', registers: r }),
    configLoaded: new Gauge({ name: 'metallb_k8s_client_config_loaded_bool', help: '1 if the pool configuration was loaded at least once', registers: r }),
    configStale: new Gauge({ name: 'metallb_k8s_client_config_stale_bool', help: '1 if some pool is invalid and an older valid spec (or nothing) is served instead', registers: r }),
    apiWrites: new Counter({ name: 'l2lb_k8s_writes_total', help: 'Writes to the Kubernetes API, by verb and resource', labelNames: ['verb', 'resource'], registers: r }),
    leader: new Gauge({ name: 'l2lb_controller_leader', help: '1 while this replica is the leader and writes', registers: r }),
    queueDepth: new Gauge({ name: 'l2lb_controller_queue_depth', help: 'Services waiting to be reconciled', registers: r }),
  };
  return m;
}
