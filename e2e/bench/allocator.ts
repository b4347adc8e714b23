// Allocator microbenchmark: allocate + release throughput on a /16 and a /64 pool with 10,000
// Services, adopt throughput (what a restarted controller does first), and heap held by 10,000
// assignments. Figures only, no pass/fail: wall time depends on the machine.
import { validatePools } from '../../shared/api/validate.js';
import { Allocator } from '../../controller/allocator/allocator.js';
import { readServiceRequest, type ServiceRequest } from '../../controller/allocator/request.js';
import { writeBenchReport, type BenchFigure } from './report.js';

const SERVICES = 10_000;

function services(family: 4 | 6, count: number): ServiceRequest[] {
  return Array.from({ length: count }, (_, i) =>
    readServiceRequest({
      metadata: { namespace: `ns${i % 50}`, name: `svc-${i}`, labels: { app: `app-${i % 100}` } },
      spec: {
        type: 'LoadBalancer',
        clusterIPs: [family === 4 ? '10.96.0.10' : 'fd00::10'],
        ipFamilies: [family === 4 ? 'IPv4' : 'IPv6'],
        ports: [{ port: 80, protocol: 'TCP' }],
      },
    }),
  );
}

function poolsFor(cidr: string) {
  const v = validatePools([{ metadata: { name: 'bench' }, spec: { addresses: [cidr], avoidBuggyIPs: true } }]);
  if (v.pools.length !== 1) throw new Error(v.verdicts[0]?.errors.join('; '));
  return v.pools;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function opsPerSecond(n: number, ms: number): number {
  return Math.round((n / ms) * 1000);
}

function benchPool(label: string, cidr: string, family: 4 | 6): BenchFigure[] {
  const svcs = services(family, SERVICES);
  // Warm-up, so the figures measure steady state rather than JIT compilation.
  const warm = new Allocator(poolsFor(cidr));
  for (const s of svcs.slice(0, 2000)) warm.assign(s);
  for (const s of svcs.slice(0, 2000)) warm.release(s.key);

  const before = heapUsed();
  const al = new Allocator(poolsFor(cidr));
  let t = performance.now();
  for (const s of svcs) {
    const r = al.assign(s);
    if (!r.ok) throw new Error(`${label}: ${r.reason}`);
  }
  const allocMs = performance.now() - t;
  const heap = heapUsed() - before;

  // Restart: a fresh allocator adopts every existing address.
  const held = svcs.map((s) => al.get(s.key)!.ips);
  const restarted = new Allocator(poolsFor(cidr));
  t = performance.now();
  svcs.forEach((s, i) => restarted.adopt(s, held[i]!));
  const adoptMs = performance.now() - t;

  // Churn at full occupancy: release one, allocate one (the free-address search sees 10,000 used).
  t = performance.now();
  for (let i = 0; i < SERVICES; i++) {
    al.release(svcs[i]!.key);
    al.assign(svcs[i]!);
  }
  const churnMs = performance.now() - t;

  t = performance.now();
  for (const s of svcs) al.release(s.key);
  const releaseMs = performance.now() - t;

  return [
    { name: `${label} allocate (10,000 services)`, value: opsPerSecond(SERVICES, allocMs), unit: 'ops/s' },
    { name: `${label} release (10,000 services)`, value: opsPerSecond(SERVICES, releaseMs), unit: 'ops/s' },
    { name: `${label} release+allocate at 10,000 in use`, value: opsPerSecond(SERVICES, churnMs), unit: 'pairs/s' },
    { name: `${label} adopt on restart (10,000 services)`, value: opsPerSecond(SERVICES, adoptMs), unit: 'ops/s' },
    { name: `${label} heap for 10,000 assignments`, value: Math.round((heap / 1024 / 1024) * 100) / 100, unit: 'MiB' },
  ];
}

export async function runAllocatorBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const figures = [...benchPool('/16 IPv4', '10.0.0.0/16', 4), ...benchPool('/64 IPv6', '2001:db8::/64', 6)];
  const notes = [
    'Pure allocator, no API server: Services pre-parsed, one port each, avoidBuggyIPs on, single pool.',
    (globalThis as { gc?: unknown }).gc
      ? 'Heap measured after forced GC (--expose-gc).'
      : 'Heap measured without --expose-gc: includes garbage, an upper bound.',
  ];
  const file = writeBenchReport({ benchmark: 'allocator', startedAt, figures, notes });
  process.stdout.write(`allocator bench: ${file}\n`);
}
