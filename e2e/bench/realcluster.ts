// Real-cluster failover benchmark: l2lb installed with `helm install` on 3 real nodes
// (e2e/realcluster), L2LB_REALCLUSTER_TRIALS (default 10) trials each of
//   (a) the owner node dies: link down, kubelet, kube-proxy, containerd and containers SIGKILLed;
//       the node is then restarted as a rebooted machine before the next trial;
//   (b) `kubectl delete pod` of the owner's speaker (SIGTERM through the runtime);
// timed from the client: fault to its neighbour entry changing MAC and to the first answered
// request through kube-proxy, and requests failed meanwhile. Beside the process lab's figures.
import { RealCluster } from '../realcluster/cluster.js';
import { measureRealFailover, type RealFailover, type RealFault } from '../realcluster/failover.js';
import { APP_NAMESPACE, installL2lbWithEcho, L2LB_NAMESPACE, SPEAKER_SELECTOR } from '../realcluster/workloads.js';
import { percentile, writeBenchReport, type BenchFigure } from './report.js';

const TRIALS = Number(process.env['L2LB_REALCLUSTER_TRIALS'] ?? 10);
const say = (line: string): void => void process.stderr.write(`realcluster: ${line}\n`);

function figures(label: string, trials: readonly RealFailover[]): BenchFigure[] {
  const stat = (what: string, values: number[], unit: string): BenchFigure[] => {
    const s = [...values].sort((a, b) => a - b);
    return [
      { name: `${label}: ${what}: median`, value: percentile(s, 50), unit },
      { name: `${label}: ${what}: p90`, value: percentile(s, 90), unit },
      { name: `${label}: ${what}: max`, value: s[s.length - 1] ?? Number.NaN, unit },
    ];
  };
  return [
    ...stat("fault to the client's neighbour entry changing", trials.map((t) => t.neighborMs), 'ms'),
    ...stat('fault to the first answered request', trials.map((t) => t.firstAnswerMs), 'ms'),
    ...stat('requests failed (every 20 ms, 500 ms timeout)', trials.map((t) => t.failed), 'requests'),
    { name: `${label}: trials`, value: trials.length, unit: 'trials' },
  ];
}

export async function runRealClusterBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const c = await RealCluster.start({ nodes: 3, progress: say });
  const results: Record<RealFault, RealFailover[]> = { node: [], pod: [] };
  const errors: string[] = [];
  try {
    const { v4 } = await installL2lbWithEcho(c, say);
    for (const fault of ['pod', 'node'] as const) {
      // A failed trial ends its phase; the figures of the trials before it are still written.
      try {
        await runTrials(fault);
      } catch (err) {
        errors.push(`${fault} trial ${results[fault].length + 1} failed: ${err instanceof Error ? err.message : String(err)}`);
        say(errors[errors.length - 1]!);
      }
    }
    async function runTrials(fault: RealFault): Promise<void> {
      for (let i = 0; i < TRIALS; i++) {
        const m = await measureRealFailover(c, 'echo', v4, fault);
        results[fault].push(m);
        say(`${fault} trial ${i + 1}: ${m.from} -> ${m.to}, neighbour ${Math.round(m.neighborMs)} ms, first answer ${Math.round(m.firstAnswerMs)} ms, ${m.failed}/${m.total} failed`);
        if (fault === 'node') await c.restartNode(m.from);
        await c.waitForReadyPods(L2LB_NAMESPACE, SPEAKER_SELECTOR, 3, 180_000);
        await c.waitForReadyPods(APP_NAMESPACE, 'app=echo', 3, 180_000);
      }
    }
  } finally {
    await c.stop();
  }
  writeBenchReport({
    benchmark: 'realcluster',
    startedAt,
    figures: [
      { name: 'cluster start (3 real nodes Ready, warm image cache)', value: c.timings['start'] ?? Number.NaN, unit: 'ms' },
      ...figures('(a) owner node killed', results.node),
      ...figures('(b) owner speaker pod deleted', results.pod),
    ],
    notes: [
      ...errors,
      '3 real nodes (containerd 1.6 + kubelet and kube-proxy v1.35, iptables) in lab namespaces on 2 shared cores; l2lb from its own image via helm install with default timers.',
      '(a): requests failing after the VIP moved are those kube-proxy still sends to the dead node\'s pod until the node-lifecycle controller marks it NotReady; that is Kubernetes, not l2lb.',
    ],
  });
  if (errors.length > 0) throw new Error(errors.join('; '));
}
