// The per-pool gauges read what the allocator holds, MetalLB's per-family names agree with l2lb's
// family-labelled ones, and a pool that goes loses every series.
import { Allocator } from './allocator/allocator.js';
import { makePools, makeService } from './allocator/testing.js';
import { createControllerMetrics } from './metrics.js';
import { recordPoolMetrics } from './pool-metrics.js';

async function series(m: ReturnType<typeof createControllerMetrics>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    if (!metric.name.includes('allocator')) continue;
    for (const v of metric.values) out.set(`${metric.name}${JSON.stringify(v.labels)}`, v.value);
  }
  return out;
}

describe('recordPoolMetrics', () => {
  it('counts addresses per family and Services per pool; a removed pool loses its series', async () => {
    const pools = makePools({ a: { addresses: ['192.0.2.0/30', '2001:db8::/126'] }, b: { addresses: ['198.51.100.0/31'] } });
    const alloc = new Allocator(pools);
    for (const name of ['s1', 's2']) expect(alloc.assign(makeService(name, { annotations: { 'metallb.io/address-pool': 'a' } })).ok).toBe(true);
    expect(alloc.assign(makeService('d', { family: 'dual', annotations: { 'metallb.io/address-pool': 'a' } })).ok).toBe(true);
    expect(alloc.assign(makeService('s3', { annotations: { 'metallb.io/address-pool': 'b' } })).ok).toBe(true);
    const m = createControllerMetrics();
    recordPoolMetrics(m, ['a', 'b'], alloc);
    const got = await series(m);
    expect(got.get('metallb_allocator_ipv4_addresses_total{"pool":"a"}')).toBe(4);
    expect(got.get('metallb_allocator_ipv6_addresses_total{"pool":"a"}')).toBe(4);
    expect(got.get('metallb_allocator_ipv4_addresses_in_use_total{"pool":"a"}')).toBe(3);
    expect(got.get('metallb_allocator_ipv6_addresses_in_use_total{"pool":"a"}')).toBe(1);
    expect(got.get('metallb_allocator_services_allocated_total{"pool":"a"}')).toBe(3);
    expect(got.get('metallb_allocator_services_allocated_total{"pool":"b"}')).toBe(1);
    expect(got.get('metallb_allocator_addresses_in_use_total{"pool":"a"}')).toBe(4);
    expect(got.get('metallb_allocator_addresses_total{"pool":"a"}')).toBe(8);
    expect(got.get('l2lb_allocator_addresses_in_use_total{"pool":"a","family":"ipv4"}')).toBe(3);
    expect(got.get('metallb_allocator_ipv6_addresses_total{"pool":"b"}')).toBe(0);

    alloc.setPools(pools.filter((p) => p.name === 'a'));
    recordPoolMetrics(m, ['a'], alloc);
    const after = await series(m);
    expect([...after.keys()].filter((k) => k.includes('"pool":"b"'))).toEqual([]);
    expect(after.get('metallb_allocator_services_allocated_total{"pool":"a"}')).toBe(3);
  });

  it('are recomputed at scrape time, once per scrape: a scrape never shows an older allocator', async () => {
    const pools = makePools({ a: { addresses: ['192.0.2.0/30'] } });
    const alloc = new Allocator(pools);
    let recomputed = 0;
    const m = createControllerMetrics((mm) => {
      recomputed++;
      recordPoolMetrics(mm, ['a'], alloc);
    });
    expect((await series(m)).get('metallb_allocator_ipv4_addresses_in_use_total{"pool":"a"}')).toBe(0);
    expect(recomputed).toBe(1);
    expect(alloc.assign(makeService('s1', { annotations: { 'metallb.io/address-pool': 'a' } })).ok).toBe(true);
    await new Promise((r) => setImmediate(r));
    const after = await series(m);
    expect(after.get('metallb_allocator_ipv4_addresses_in_use_total{"pool":"a"}')).toBe(1);
    expect(after.get('metallb_allocator_services_allocated_total{"pool":"a"}')).toBe(1);
    expect(recomputed).toBe(2);
  });

  it('a standby (no allocator) shows no pool series', async () => {
    const m = createControllerMetrics((mm) => recordPoolMetrics(mm, [], undefined));
    expect([...(await series(m)).keys()]).toEqual([]);
  });
});
