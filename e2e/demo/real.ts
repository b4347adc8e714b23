// `make demo`: l2lb as a user installs it, on a real cluster on this machine, told as a story.
// Three real nodes (containerd + kubelet + kube-proxy in network namespaces), l2lb's own image,
// `helm install` of charts/l2lb, an echo Deployment behind a dual-stack LoadBalancer Service; the
// client reaches the pods through the VIP and kube-proxy; the announcing node dies (kubelet,
// containerd, its containers, link down); the VIP answers again from another node. Last line:
// the measured failover. (`make demo-lab` tells the same story on the process lab.)
import { RealCluster } from '../realcluster/cluster.js';
import { measureRealFailover } from '../realcluster/failover.js';
import { getFromClient, installL2lbWithEcho, L2LB_NAMESPACE } from '../realcluster/workloads.js';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const step = (title: string): void => say(`\n== ${title}`);
const indent = (text: string): string => text.trimEnd().split('\n').map((l) => `   ${l}`).join('\n');

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('make demo needs root (network namespaces, containerd, kubelet)');
  step('Setting up: l2lb\'s image, a control plane, 3 real nodes (containerd + kubelet + kube-proxy)');
  const c = await RealCluster.start({ nodes: 3, progress: (l) => say(`   ${l}`) });
  let failoverSeconds: number | undefined;
  try {
    step('Installing l2lb with the commands of docs/install.md (helm install), then an echo Deployment and a LoadBalancer Service');
    const { v4, v6 } = await installL2lbWithEcho(c, (l) => say(`   ${l}`));
    say(indent(await c.kubectl(['get', 'pods', '-A', '-o', 'wide'])));

    step('The Service and its EXTERNAL-IPs');
    say(indent(await c.kubectl(['get', 'svc', '-n', 'demo'])));

    step('The client reaches the pods through the VIPs and kube-proxy');
    for (const ip of [v4, v6]) for (let i = 0; i < 3; i++) {
      const r = await getFromClient(c, ip);
      say(`   client -> ${ip.includes(':') ? `[${ip}]` : ip}:8080 -> ${r ? `pod ${r.pod} on ${r.node}` : 'no answer'}`);
    }
    say(indent(await c.kubectl(['get', 'servicel2statuses', '-n', L2LB_NAMESPACE])));

    step('The announcing node dies: kubelet, containerd and its containers killed, link down');
    const m = await measureRealFailover(c, 'echo', v4, 'node');
    say(`   ${m.from} is gone; ${v4} is announced by ${m.to}`);
    say(`   client's neighbour entry moved to ${m.to}'s MAC after ${(m.neighborMs / 1000).toFixed(3)} s; first answer after ${(m.firstAnswerMs / 1000).toFixed(3)} s`);
    say(indent(await c.kubectl(['get', 'servicel2statuses', '-n', L2LB_NAMESPACE])));
    failoverSeconds = m.firstAnswerMs / 1000;
  } finally {
    step('Tearing down');
    await c.stop();
  }
  say(`\nfailover: ${failoverSeconds!.toFixed(3)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
