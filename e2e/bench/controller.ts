// Controller benchmark against a real API server (its own control plane) with the real controller
// process and the chart's RBAC: latency from Service creation to IP in status at a steady 50/s,
// time to assign 10,000 Services created as fast as the API server takes them, and a restart with
// 10,000 Services (time to converge, addresses changed, writes made). Figures, never pass/fail:
// the API server, etcd, the controller and this load generator share the machine's cores.
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { withKeepAlive } from './keep-alive.js';
import { installChartRbac } from '../install/chart-rbac.js';
import { startProgram, type ProgramProcess } from '../programs/process.js';
import { metricValue } from '../programs/controller-fixture.js';
import { startControlPlane, type ControlPlane } from '../testenv/control-plane.js';
import { freePort } from '../testenv/ports.js';
import { sleep } from '../testenv/wait.js';
import { percentile, writeBenchReport, type BenchFigure } from './report.js';
import { eachBounded } from '../../shared/async/bounded.js';

const INSTALL_NS = 'l2lb-bench';
const LATENCY_NS = 'bench-latency';
const SCALE_NS = 'bench-scale';
const POOL_CIDR = '10.200.0.0/16';
const LATENCY_SERVICES = 1000;
const LATENCY_RATE_PER_S = 50;
const WARMUP_SERVICES = 50;
const SCALE_SERVICES = 10_000;
const CREATE_PARALLEL = 16;

const log = (line: string): void => void process.stderr.write(`controller bench: ${line}\n`);
const ingressKey = (svc: V1Service): string => (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean).join(',');

/**
 * Watches one namespace's Services and notes when each first shows an address (a watch, not a
 * poll per Service, so measuring does not load the API server), and any later address change.
 */
class AssignmentWatch {
  readonly assignedAt = new Map<string, number>();
  readonly ips = new Map<string, string>();
  changed = 0;
  private abort: AbortController | undefined;
  private stopped = false;
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(private readonly kc: KubeConfig, private readonly namespace: string, private rv: string) {}

  static async start(kc: KubeConfig, namespace: string): Promise<AssignmentWatch> {
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedService({ namespace });
    const w = new AssignmentWatch(kc, namespace, list.metadata?.resourceVersion ?? '');
    await w.watch();
    return w;
  }

  /** Resolves once `count` Services have shown an address. */
  until(count: number, timeoutMs: number, what: string): Promise<void> {
    if (this.assignedAt.size >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: ${this.assignedAt.size} of ${count} Services assigned after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async watch(): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/services`;
    this.abort = await new Watch(this.kc).watch(path, { resourceVersion: this.rv }, (type: string, obj: V1Service) => this.onEvent(type, obj), () => {
      // The API server ends watches now and then: carry on from the last version seen.
      if (!this.stopped) setTimeout(() => void this.watch(), 50);
    });
  }

  private onEvent(type: string, svc: V1Service): void {
    const now = performance.now();
    if (svc.metadata?.resourceVersion) this.rv = svc.metadata.resourceVersion;
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    const name = svc.metadata?.name ?? '';
    const ips = ingressKey(svc);
    if (ips === '') return;
    const before = this.ips.get(name);
    if (before === undefined) this.assignedAt.set(name, now);
    else if (before !== ips) this.changed++;
    this.ips.set(name, ips);
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((w) => {
        if (this.assignedAt.size < w.count) return true;
        w.resolve();
        return false;
      });
    }
  }
}

// No node ports: 10,000 Services would exhaust the node port range (30000-32767) long before the pool.
const service = (name: string): V1Service => ({ metadata: { name }, spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80, protocol: 'TCP' }] } });

async function startController(saKubeconfig: string, metricsPort: number): Promise<{ proc: ProgramProcess; spawnedAt: number }> {
  const spawnedAt = performance.now();
  const proc = startProgram('controller', [
    '--kubeconfig', saKubeconfig, '--namespace', INSTALL_NS, '--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort),
    '--leader-elect=false', '--log-level', 'info',
  ]);
  await proc.waitForEvent('resync', 60_000);
  return { proc, spawnedAt };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

async function controllerMemory(metricsPort: number): Promise<{ rssMiB: number; heapMiB: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const mib = (v: number | undefined): number => Math.round(((v ?? Number.NaN) / 1024 / 1024) * 10) / 10;
  return { rssMiB: mib(metricValue(text, 'l2lb_controller_process_resident_memory_bytes')), heapMiB: mib(metricValue(text, 'l2lb_controller_nodejs_heap_size_used_bytes')) };
}

export async function runControllerBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const figures: BenchFigure[] = [];
  const notes: string[] = [];
  let cp: ControlPlane | undefined;
  let controller: ProgramProcess | undefined;
  const watches: AssignmentWatch[] = [];
  try {
    cp = await startControlPlane();
    log(`control plane ready in ${cp.startMs} ms`);
    const kc = withKeepAlive(cp.adminKubeConfig);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    for (const name of [INSTALL_NS, LATENCY_NS, SCALE_NS]) await core.createNamespace({ body: { metadata: { name } } });
    const rbac = await installChartRbac(kc, INSTALL_NS, 'l2lb-bench');
    const saKubeconfig = await cp.serviceAccountKubeconfig(INSTALL_NS, rbac.controllerServiceAccount);
    const group = { group: 'metallb.io', version: 'v1beta1', namespace: INSTALL_NS };
    await custom.createNamespacedCustomObject({ ...group, plural: 'ipaddresspools', body: { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'bench' }, spec: { addresses: [POOL_CIDR] } } });
    await custom.createNamespacedCustomObject({ ...group, plural: 'l2advertisements', body: { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'bench' }, spec: { ipAddressPools: ['bench'] } } });
    const metricsPort = await freePort('127.0.0.1');
    controller = (await startController(saKubeconfig, metricsPort)).proc;

    // 1. Latency at a steady pace: each Service timed from just before its create request to the
    //    first watch event that shows its address.
    const lat = await AssignmentWatch.start(kc, LATENCY_NS);
    watches.push(lat);
    const sentAt = new Map<string, number>();
    const names = [...Array.from({ length: WARMUP_SERVICES }, (_, i) => `warm-${i}`), ...Array.from({ length: LATENCY_SERVICES }, (_, i) => `lat-${i}`)];
    const t0 = performance.now();
    const creates: Promise<unknown>[] = [];
    for (const [i, name] of names.entries()) {
      const wait = t0 + (i * 1000) / LATENCY_RATE_PER_S - performance.now();
      if (wait > 0) await sleep(wait);
      sentAt.set(name, performance.now());
      creates.push(core.createNamespacedService({ namespace: LATENCY_NS, body: service(name) }));
    }
    await Promise.all(creates);
    await lat.until(names.length, 60_000, 'latency phase');
    const latencies = names.filter((n) => n.startsWith('lat-')).map((n) => lat.assignedAt.get(n)! - sentAt.get(n)!).sort((a, b) => a - b);
    figures.push(
      { name: `create -> IP in status, p50 (${LATENCY_SERVICES} Services at ${LATENCY_RATE_PER_S}/s)`, value: round1(percentile(latencies, 50)), unit: 'ms', target: '<= 20' },
      { name: `create -> IP in status, p99 (${LATENCY_SERVICES} Services at ${LATENCY_RATE_PER_S}/s)`, value: round1(percentile(latencies, 99)), unit: 'ms', target: '<= 100' },
      { name: `create -> IP in status, max (${LATENCY_SERVICES} Services at ${LATENCY_RATE_PER_S}/s)`, value: round1(latencies[latencies.length - 1]!), unit: 'ms' },
    );
    log(`latency p50 ${percentile(latencies, 50).toFixed(1)} ms p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    lat.stop();
    // Back to an empty pool, so the next phase measures exactly 10,000.
    await eachBounded(names, CREATE_PARALLEL, (name) => core.deleteNamespacedService({ name, namespace: LATENCY_NS }));

    // 2. Throughput: 10,000 Services created as fast as the API server takes them.
    const scale = await AssignmentWatch.start(kc, SCALE_NS);
    watches.push(scale);
    const scaleNames = Array.from({ length: SCALE_SERVICES }, (_, i) => `svc-${i}`);
    const who: [string, number | undefined][] = [['kube-apiserver', cp.pids[1]], ['etcd', cp.pids[0]], ['kube-controller-manager', cp.pids[2]], ['l2lb controller', controller.pid]];
    const cpuBefore = who.map(([, pid]) => cpuSeconds(pid));
    const benchCpuBefore = process.cpuUsage();
    const s0 = performance.now();
    await eachBounded(scaleNames, CREATE_PARALLEL, (name) => core.createNamespacedService({ namespace: SCALE_NS, body: service(name) }));
    const createdMs = performance.now() - s0;
    log(`created ${SCALE_SERVICES} in ${(createdMs / 1000).toFixed(1)} s; ${scale.assignedAt.size} assigned so far`);
    await scale.until(SCALE_SERVICES, 180_000, 'scale phase');
    const assignedMs = Math.max(...scale.assignedAt.values()) - s0;
    log(`assigned ${SCALE_SERVICES} in ${(assignedMs / 1000).toFixed(1)} s`);
    const memory = await controllerMemory(metricsPort);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    for (const [i, [name, pid]] of who.entries()) {
      figures.push({ name: `CPU used by ${name} while assigning ${SCALE_SERVICES}`, value: round1(cpuSeconds(pid) - cpuBefore[i]!), unit: 's' });
    }
    figures.push({ name: `CPU used by this load generator while assigning ${SCALE_SERVICES}`, value: round1((benchCpu.user + benchCpu.system) / 1e6), unit: 's' });
    figures.push(
      { name: `assign ${SCALE_SERVICES} Services (first create -> last IP, ${CREATE_PARALLEL} creates in flight)`, value: round1(assignedMs / 1000), unit: 's', target: '<= 60' },
      { name: `create ${SCALE_SERVICES} Services (the create requests alone, same run)`, value: round1(createdMs / 1000), unit: 's' },
      // How far the controller trails the API server: near 0 means creation, not l2lb, set the pace.
      { name: 'controller lag: last create answered -> last IP in status', value: round1(Math.max(0, assignedMs - createdMs)), unit: 'ms' },
      { name: `controller RSS with ${SCALE_SERVICES} Services assigned`, value: memory.rssMiB, unit: 'MiB' },
      { name: `controller heap used with ${SCALE_SERVICES} Services assigned`, value: memory.heapMiB, unit: 'MiB' },
    );

    // 3. Restart: a new process must adopt all 10,000 and write nothing.
    await sleep(1000); // pool status and Events settle, so the restart starts from a quiet cluster
    const before = new Map(scale.ips);
    const changedBefore = scale.changed;
    await controller.stop('SIGTERM');
    const restarted = await startController(saKubeconfig, metricsPort);
    controller = restarted.proc;
    const done = await controller.waitForEvent('resyncDone', 120_000);
    const resyncMs = performance.now() - restarted.spawnedAt;
    const synced = controller.logs.find((l) => l.event === 'informersSynced');
    const after = (await core.listNamespacedService({ namespace: SCALE_NS })).items;
    const changed = after.filter((s) => before.get(s.metadata?.name ?? '') !== ingressKey(s)).length;
    log(`restart: resync drained after ${(resyncMs / 1000).toFixed(1)} s, ${String(done['writes'])} writes, ${changed} addresses changed`);
    figures.push(
      { name: `restart: process start -> resync of ${SCALE_SERVICES} drained`, value: round1(resyncMs / 1000), unit: 's', target: '<= 10' },
      { name: 'restart: taking the lead -> resync drained (controller\'s own measure)', value: round1(Number(done['ms']) / 1000), unit: 's' },
      { name: 'restart: addresses changed', value: changed + (scale.changed - changedBefore), unit: 'Services', target: '0' },
      { name: 'restart: Service status writes during the resync', value: Number(done['writes']), unit: 'writes', target: '0' },
    );
    notes.push(
      `Load average when the run started / ended: ${loadAtStart} / ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine skews every figure).`,
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB; etcd, kube-apiserver, kube-controller-manager, the controller and this load generator share them.`,
      `Pool ${POOL_CIDR} with an L2Advertisement; Services of type LoadBalancer without selector (no EndpointSlices), one TCP port; controller with the chart's RBAC, --leader-elect=false, --log-level info.`,
      'Assigning 10,000: the controller keeps pace with the creates (see the lag figure); the API server\'s CPU (the Service create with its ClusterIP, the status write, the Event) sets the rate on this machine.',
      `Latency: ${WARMUP_SERVICES} warm-up Services first (not counted); each measured from just before its create request to the first watch event showing its address, so it includes the create and both watch deliveries.`,
      `Restart: SIGTERM, then a new process; from spawn to its resyncDone log (informers listed and synced${synced ? '' : ' (no informersSynced line seen)'}, every Service adopted and reconciled, queue drained).`,
    );
  } finally {
    for (const w of watches) w.stop();
    await controller?.stop('SIGTERM');
    await cp?.stop();
  }
  const file = writeBenchReport({ benchmark: 'controller', startedAt, figures, notes });
  process.stdout.write(`controller bench: ${file}\n`);
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
