// `node dist/e2e/realcluster/cli.js [--nodes N] [--no-install]`: a real cluster for people, in
// the foreground: starts it, installs l2lb and the echo Service (unless --no-install), prints the
// admin kubeconfig and the VIPs, and tears everything down on Ctrl-C / SIGTERM.
import { RealCluster } from './cluster.js';
import { installL2lbWithEcho } from './workloads.js';

const say = (line: string): void => void process.stderr.write(`[realcluster] ${line}\n`);
const args = process.argv.slice(2);
const nodesAt = args.indexOf('--nodes');
const nodes = nodesAt >= 0 ? Number(args[nodesAt + 1]) : 3;

const c = await RealCluster.start({ nodes, progress: say });
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  say('stopping');
  await c.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
try {
  if (!args.includes('--no-install')) {
    const { v4, v6 } = await installL2lbWithEcho(c, say);
    say(`VIPs ${v4} ${v6}: ip netns exec ${c.lab.client.ns} curl http://${v4}:8080/`);
  }
  say(`export KUBECONFIG=${c.kubeconfigPath}   (Ctrl-C tears the cluster down)`);
} catch (err) {
  say(`failed: ${err instanceof Error ? err.message : String(err)} (cluster left up for inspection; Ctrl-C tears it down)`);
}
setInterval(() => undefined, 1 << 30);
