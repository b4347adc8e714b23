// The allocator's per-pool gauges, MetalLB's names and l2lb's per-family ones, recomputed from the
// allocator in one pass. Every gauge is reset first, so a pool that is gone loses its series
// (dashboards must not keep showing a deleted pool as full).
import { statusCount, type Allocator } from './allocator/allocator.js';
import type { ControllerMetrics } from './metrics.js';

export function recordPoolMetrics(m: ControllerMetrics, pools: readonly string[], alloc: Allocator | undefined): void {
  const gauges = [
    m.addressesTotal, m.addressesInUse, m.familyAddressesTotal, m.familyAddressesInUse,
    m.ipv4AddressesTotal, m.ipv6AddressesTotal, m.ipv4AddressesInUse, m.ipv6AddressesInUse, m.servicesAllocated,
  ];
  for (const g of gauges) g.reset();
  if (alloc === undefined) return;
  const services = new Map<string, number>();
  for (const a of alloc.entries()) services.set(a.pool, (services.get(a.pool) ?? 0) + 1);
  for (const pool of new Set(pools)) {
    const stats = alloc.stats(pool);
    if (!stats) continue;
    const total4 = stats.assignedIPv4 + stats.availableIPv4;
    const total6 = stats.assignedIPv6 + stats.availableIPv6;
    const labels = { pool };
    m.addressesInUse.set(labels, Number(stats.assignedIPv4 + stats.assignedIPv6));
    m.addressesTotal.set(labels, Number(total4 + total6));
    m.familyAddressesInUse.set({ pool, family: 'ipv4' }, statusCount(stats.assignedIPv4));
    m.familyAddressesInUse.set({ pool, family: 'ipv6' }, statusCount(stats.assignedIPv6));
    m.familyAddressesTotal.set({ pool, family: 'ipv4' }, Number(total4));
    m.familyAddressesTotal.set({ pool, family: 'ipv6' }, Number(total6));
    m.ipv4AddressesInUse.set(labels, statusCount(stats.assignedIPv4));
    m.ipv6AddressesInUse.set(labels, statusCount(stats.assignedIPv6));
    m.ipv4AddressesTotal.set(labels, Number(total4));
    m.ipv6AddressesTotal.set(labels, Number(total6));
    m.servicesAllocated.set(labels, services.get(pool) ?? 0);
  }
}
