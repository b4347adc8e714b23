// One failover on the real cluster, measured from the client: an HTTP prober (every 20 ms, 500 ms
// timeout) against the VIP through kube-proxy, and the client's neighbour entry for the VIP.
//   node: the owner node dies (link down, kubelet, kube-proxy, containerd, containers SIGKILLed);
//   pod:  `kubectl delete pod` of the owner's speaker (SIGTERM through the runtime; the node and
//         its kube-proxy stay, so requests sent to its MAC are still answered).
import { NeighborMonitor, Prober } from '../cluster/observe.js';
import { waitFor } from '../testenv/wait.js';
import type { RealCluster } from './cluster.js';
import { announcingNode, ECHO_PORT, getFromClient, L2LB_NAMESPACE, SPEAKER_SELECTOR } from './workloads.js';

export type RealFault = 'node' | 'pod';

export interface RealFailover {
  readonly fault: RealFault;
  readonly from: string;
  readonly to: string;
  /** Fault to the client's neighbour entry for the VIP changing MAC. */
  readonly neighborMs: number;
  /** Fault to the first answered request sent after it. */
  readonly firstAnswerMs: number;
  /** Requests that failed between the fault and the ServiceL2Status naming the new owner. */
  readonly failed: number;
  readonly total: number;
  /** The node of the backend pod that gave the first answer. */
  readonly firstAnswerNode: string;
}

const wallNow = (): number => performance.timeOrigin + performance.now();

export async function measureRealFailover(c: RealCluster, service: string, ip: string, fault: RealFault, timeoutMs = 30_000): Promise<RealFailover> {
  await getFromClient(c, ip);
  const from = await announcingNode(c, service);
  if (!from) throw new Error(`no ServiceL2Status for ${service}`);
  const oldMac = c.lab.nodes.find((n) => n.name === from)!.mac;
  const prober = new Prober(c.lab, ip, 20, 500, { port: ECHO_PORT, mode: 'http' });
  const monitor = new NeighborMonitor(c.lab);
  try {
    await prober.waitFor((r) => r.ok, 10_000, 'a first answer');
    let t0 = wallNow();
    if (fault === 'node') {
      // Timed from the moment the link is down: a request sent just before may still be answered.
      await c.killNode(from, () => (t0 = wallNow()));
    } else {
      const pod = (await c.core.listNamespacedPod({ namespace: L2LB_NAMESPACE, labelSelector: SPEAKER_SELECTOR, fieldSelector: `spec.nodeName=${from}` })).items[0];
      if (!pod?.metadata?.name) throw new Error(`no speaker pod on ${from}`);
      await c.kubectl(['delete', 'pod', '-n', L2LB_NAMESPACE, pod.metadata.name, '--wait=false']);
    }
    const [answer, moved] = await Promise.all([
      prober.waitFor((r) => r.ok && r.t > t0, timeoutMs, 'an answer after the fault'),
      monitor.changedAfter(ip, oldMac, t0, timeoutMs),
    ]);
    let to = from;
    await waitFor(`ServiceL2Status of ${service} leaving ${from}`, async () => {
      to = (await announcingNode(c, service)) ?? from;
      return to !== from;
    }, { timeoutMs });
    const after = wallNow();
    const window = prober.results().filter((r) => r.t >= t0 && r.t <= after);
    return {
      fault,
      from,
      to,
      neighborMs: moved.t - t0,
      firstAnswerMs: answer.t - t0,
      failed: window.filter((r) => !r.ok).length,
      total: window.length,
      firstAnswerNode: answer.node ?? '?',
    };
  } finally {
    prober.stop();
    monitor.stop();
  }
}
