// The controller under faults, long (BENCH=controller-faults): the randomized fault run of
// e2e/faults for L2LB_FAULT_BENCH_MINUTES (default 20) on its own control plane, then the API
// request rate at rest with 300 Services pending (one address for 301). Figures, never pass/fail:
// settle time after each fault kind, request rates at rest and during exhaustion, Event objects per
// pending Service, operation and fault counts, invariant violations (with the seed to replay).
// L2LB_FAULT_OPS_PER_ROUND sets the batch size (default 64), L2LB_FAULT_MIN_PER_ROUND and
// L2LB_FAULT_MAX_PER_ROUND how many faults one round overlaps (default 3 to 5), L2LB_FAULT_LOG_DIR
// keeps the controllers' logs, and
// L2LB_FAULT_BENCH_PENDING=off skips the 300-pending phase (replays).
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { installChartRbac } from '../install/chart-rbac.js';
import { FAULT_KINDS, FaultRun } from '../faults/scenario.js';
import { Rng } from '../faults/rng.js';
import { metricValue } from '../programs/controller-fixture.js';
import { startProgram } from '../programs/process.js';
import { startControlPlane, type ControlPlane } from '../testenv/control-plane.js';
import { freePort } from '../testenv/ports.js';
import { sleep } from '../testenv/wait.js';
import { withKeepAlive } from './keep-alive.js';
import { percentile, writeBenchReport, type BenchFigure } from './report.js';

const log = (line: string): void => void process.stderr.write(`controller-faults bench: ${line}\n`);
const PENDING = 300;

export async function runControllerFaultsBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const minutes = Number(process.env['L2LB_FAULT_BENCH_MINUTES'] ?? '20');
  const seed = Number(process.env['L2LB_FAULT_SEED'] ?? Rng.freshSeed());
  const figures: BenchFigure[] = [];
  const notes: string[] = [`seed ${seed} (L2LB_FAULT_SEED replays it); fault phase ${minutes} min`];
  let cp: ControlPlane | undefined;
  try {
    cp = await startControlPlane({ log });
    const kc = withKeepAlive(cp.adminKubeConfig);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);

    // 1. The fault run.
    for (const ns of ['faults-sys', 'faults-app']) await core.createNamespace({ body: { metadata: { name: ns } } });
    const rbac = await installChartRbac(kc, 'faults-sys', 'l2lb-faults');
    const saKubeconfig = readFileSync(await cp.serviceAccountKubeconfig('faults-sys', rbac.controllerServiceAccount), 'utf8');
    const run = new FaultRun(
      { info: cp, kc, installNs: 'faults-sys', appNs: 'faults-app', lbClass: 'l2lb.bench/faults', controllerKubeconfig: saKubeconfig, log, logDir: process.env['L2LB_FAULT_LOG_DIR'] },
      { seed, durationMs: minutes * 60_000, opsPerRound: Number(process.env['L2LB_FAULT_OPS_PER_ROUND'] ?? '64'), maxFaultsPerRound: Number(process.env['L2LB_FAULT_MAX_PER_ROUND'] ?? '5'), minFaultsPerRound: Number(process.env['L2LB_FAULT_MIN_PER_ROUND'] ?? '3') },
    );
    const r = await run.run();
    figures.push({ name: 'operations', value: r.ops, unit: 'count', target: '>= 3000 in 20 min' });
    figures.push({ name: 'rounds (quiescent checks)', value: r.rounds, unit: 'count' });
    for (const k of FAULT_KINDS) figures.push({ name: `faults: ${k}`, value: r.faults[k], unit: 'count', target: '>= 50 in 20 min' });
    figures.push({ name: 'process faults skipped (no leader to hit within 30 s)', value: r.skipped, unit: 'count' });
    figures.push({ name: 'invariant violations', value: r.violations.length, unit: 'count', target: '0' });
    figures.push({ name: 'status writes checked against the Lease holder', value: r.writesChecked, unit: 'count' });
    for (const k of FAULT_KINDS) {
      const all = [...r.settleMs[k]].sort((a, b) => a - b);
      const alone = [...r.settleAloneMs[k]].sort((a, b) => a - b);
      if (all.length > 0) {
        figures.push({ name: `settle after ${k}: p50`, value: percentile(all, 50), unit: 'ms' });
        figures.push({ name: `settle after ${k}: p99`, value: percentile(all, 99), unit: 'ms' });
      }
      if (alone.length > 0) {
        figures.push({ name: `settle after ${k} alone in its round (${alone.length} rounds): p50`, value: percentile(alone, 50), unit: 'ms' });
        figures.push({ name: `settle after ${k} alone in its round (${alone.length} rounds): p99`, value: percentile(alone, 99), unit: 'ms' });
      }
    }
    const med = (xs: readonly number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
    for (const [phase, xs] of Object.entries(r.phaseMs)) figures.push({ name: `round phase ${phase}: median`, value: med(xs), unit: 'ms' });
    const rates: [string, readonly number[]][] = [
      ['API requests/s at rest, no Service pending (both replicas, median of checks)', r.requestRateAtRest],
      ['API requests/s at rest while some Service is pending (exhaustion; median of checks)', r.requestRateExhausted],
    ];
    for (const [name, xs] of rates) {
      if (xs.length > 0) figures.push({ name: `${name}, ${xs.length} checks`, value: med(xs), unit: 'req/s' });
      else notes.push(`${name}: no quiescent point of that kind in this run`);
    }
    figures.push({ name: 'Event objects per pending Service (end of run)', value: r.eventsPerPending, unit: 'events' });
    notes.push(
      `${r.rounds} rounds of ${process.env['L2LB_FAULT_OPS_PER_ROUND'] ?? '64'} operations each (plus 2 during each SIGSTOP), faults injected while the batch is in flight`,
      'settle after a fault: from the moment it was over to the start of its round\'s stable window (addresses unchanged for 2 s, a serving leader, no Service waiting with space, every refusal warned); a round overlaps L2LB_FAULT_MIN_PER_ROUND to L2LB_FAULT_MAX_PER_ROUND faults of distinct kinds (every kind in turn, each cycle shuffled; process faults one after the other, each on the leader of its moment), so "settle after X" includes what the others of its round cost after X, and the "alone" figure isolates it',
      'request rates of the fault run count both replicas and include leader election at the run\'s short Lease timing (each replica reads the Lease 500 ms after its previous Lease request ended and the leader renews it as often: up to 6 req/s, most of the figure); the 300-pending figures run one replica without election',
      'round phases: plan (listing and drawing), operations (the batch, sent at once), faults (from the batch\'s start to the last fault\'s end; they overlap the batch), settle (the end of operations and faults to the stable window), stable (the window and the checks)',
    );
    notes.push(...r.violations.slice(0, 20).map((v) => `violation: ${v}`));

    if (process.env['L2LB_FAULT_BENCH_PENDING'] === 'off') return;
    // 2. 300 pending Services: one address, 301 Services, then the request rate at rest.
    for (const ns of ['pending-sys', 'pending-app']) await core.createNamespace({ body: { metadata: { name: ns } } });
    const rbac2 = await installChartRbac(kc, 'pending-sys', 'l2lb-pending');
    const sa2 = await cp.serviceAccountKubeconfig('pending-sys', rbac2.controllerServiceAccount);
    await custom.createNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', namespace: 'pending-sys', plural: 'ipaddresspools', body: { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'one' }, spec: { addresses: ['10.41.0.1/32'] } } });
    const port = await freePort('127.0.0.1');
    const proc = startProgram('controller', ['--kubeconfig', sa2, '--namespace', 'pending-sys', '--lb-class', 'l2lb.bench/pending', '--metrics-host', '127.0.0.1', '--metrics-port', String(port), '--leader-elect=false', '--log-level', 'info']);
    try {
      await proc.waitForEvent('resync', 60_000);
      for (let i = 0; i <= PENDING; i++) {
        await core.createNamespacedService({ namespace: 'pending-app', body: { metadata: { name: `p${i}` }, spec: { type: 'LoadBalancer', loadBalancerClass: 'l2lb.bench/pending', allocateLoadBalancerNodePorts: false, ports: [{ port: 80, protocol: 'TCP' }] } } });
      }
      const requests = async (): Promise<number> => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return ['GET', 'POST', 'PUT', 'DELETE'].reduce((s, m) => s + (metricValue(text, 'l2lb_k8s_requests_sent', { method: m }) ?? 0), 0);
      };
      const warned = async (): Promise<number> => new Set((await core.listNamespacedEvent({ namespace: 'pending-app' })).items.filter((e) => e.reason === 'AllocationFailed').map((e) => e.involvedObject.name)).size;
      for (let i = 0; i < 240 && (await warned()) < PENDING; i++) await sleep(1000);
      await sleep(5_000);
      const before = await requests();
      await sleep(30_000);
      const rate = ((await requests()) - before) / 30;
      figures.push({ name: `API requests/s at rest with ${PENDING} pending Services`, value: rate, unit: 'req/s', target: '< 5' });
      // Free the address three times: every pending Service is requeued each time.
      for (let k = 0; k < 3; k++) {
        const holder = (await core.listNamespacedService({ namespace: 'pending-app' })).items.find((s) => (s.status?.loadBalancer?.ingress ?? []).length > 0);
        if (holder) await core.deleteNamespacedService({ name: holder.metadata!.name!, namespace: 'pending-app' });
        await sleep(5_000);
      }
      const r0 = await requests();
      await sleep(10_000);
      figures.push({ name: `API requests/s at rest with ${PENDING - 3} pending after 3 freed addresses`, value: ((await requests()) - r0) / 10, unit: 'req/s' });
      const events = (await core.listNamespacedEvent({ namespace: 'pending-app' })).items.length;
      figures.push({ name: `Event objects per pending Service (${PENDING} pending, 3 addresses freed)`, value: events / (PENDING - 2), unit: 'events' });
    } finally {
      await proc.stop('SIGKILL');
    }
  } finally {
    await cp?.stop();
    writeBenchReport({ benchmark: 'controller-faults', startedAt, figures, notes });
  }
}
