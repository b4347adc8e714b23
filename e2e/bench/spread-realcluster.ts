// BENCH=spread-realcluster: flow spreading on the real 3-node cluster (e2e/realcluster: kubelet,
// kube-proxy iptables, l2lb from its image via helm with speaker.spreadFlows.enabled, l2lb-echo
// --tcp pods behind an externalTrafficPolicy Local Service; spread-cluster.ts):
// - throughput: every node's uplink shaped to the same rate (tbf), a client pulling 1 MB blobs
//   over many parallel connections (bytes arriving in a fixed window), spreading off and then on,
//   in the same run; reply bytes per node counted on each node's uplink;
// - a node the owner forwards to dies (link down, kubelet, runtime, containers SIGKILLed) with
//   100 long-lived connections open: connections on the other nodes disturbed (target 0), the
//   owner's table without the node; the node then restarts as a rebooted machine;
// - the owner node dies the same way: connections on surviving nodes reset or moved (target 0),
//   connections lost with it, the new owner's table in the kernel, the client following its MAC.
// Shaping and pull settings: benchShaping (e2e/spread/dr-lab.ts), beside BENCH=spread's lab.
import { loadavg } from 'node:os';
import { benchShaping, FlowClient } from '../spread/dr-lab.js';
import type { RealCluster } from '../realcluster/cluster.js';
import { disturbed, flowsReaching, lostWithVictim, measureNodeDeath, measureSpreadThroughput, onOtherNodes, startSpreadCluster, type NodeDeath, type SpreadThroughput } from '../realcluster/spread-cluster.js';
import { APP_NAMESPACE, L2LB_NAMESPACE, SPEAKER_SELECTOR } from '../realcluster/workloads.js';
import { writeBenchReport, type BenchFigure } from './report.js';

const { mbit: MBIT, pull: PULL } = benchShaping();
const FLOWS = 100;
const say = (line: string): void => void process.stderr.write(`spread-realcluster: ${line}\n`);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' / ');
const r2 = (x: number): number => Math.round(x * 100) / 100;

function throughputFigures(c: RealCluster, t: SpreadThroughput): BenchFigure[] {
  return [
    { name: `throughput, spreading off (uplinks ${MBIT} Mbit/s each, ${PULL.parallel} parallel pulls, ${PULL.seconds} s)`, value: r2(t.offMbit), unit: 'Mbit/s' },
    { name: 'throughput, spreading on (same shaping, same run)', value: r2(t.onMbit), unit: 'Mbit/s' },
    { name: 'throughput ratio on / off', value: r2(t.onMbit / t.offMbit), unit: 'x', target: '>= 2.5' },
    ...c.nodes.map((n) => ({
      name: `reply bytes leaving ${n.plan.name}${n.plan.name === t.owner ? ' (owner)' : ''} with spreading on (its counter)`,
      value: Math.round((t.onBytes.get(n.plan.name) ?? 0) / 1e5) / 10,
      unit: 'MB',
      target: '> 0',
    })),
    { name: "machine's CPU busy during the pull, spreading off (2 cores, every process)", value: Math.round(t.cpuOff * 100), unit: '%' },
    { name: "machine's CPU busy during the pull, spreading on", value: Math.round(t.cpuOn * 100), unit: '%' },
    {
      name: 'reply bytes leaving the other nodes with spreading off',
      value: Math.round(c.nodes.filter((n) => n.plan.name !== t.owner).reduce((s, n) => s + (t.offBytes.get(n.plan.name) ?? 0), 0) / 1e5) / 10,
      unit: 'MB',
    },
  ];
}

function nonOwnerFigures(d: NodeDeath): BenchFigure[] {
  return [
    { name: `non-owner death: connections on other nodes (of ${d.before.length})`, value: onOtherNodes(d), unit: 'connections' },
    { name: 'non-owner death: of those, reset, timed out or moved', value: disturbed(d).length, unit: 'connections', target: '0' },
    { name: 'non-owner death: connections on the dead node (lost)', value: lostWithVictim(d), unit: 'connections' },
    { name: "non-owner death: link down to the owner's table without the node", value: Math.round(d.tableMs), unit: 'ms' },
  ];
}

function ownerFigures(d: NodeDeath): BenchFigure[] {
  return [
    { name: `owner failover: connections on surviving nodes (of ${d.before.length})`, value: onOtherNodes(d), unit: 'connections' },
    { name: 'owner failover: of those, reset, timed out or moved', value: disturbed(d).length, unit: 'connections', target: '0' },
    { name: 'owner failover: connections lost with the dead owner', value: lostWithVictim(d), unit: 'connections' },
    { name: "owner failover: link down to the new owner's table in its kernel", value: Math.round(d.tableMs), unit: 'ms' },
    { name: "owner failover: link down to the client holding the new owner's MAC", value: Math.round(d.clientMs), unit: 'ms' },
  ];
}

export async function runSpreadRealClusterBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const figures: BenchFigure[] = [];
  const notes: string[] = [`Load average at the start: ${load()}.`];
  const errors: string[] = [];
  const t0 = Date.now();
  const { c, vips } = await startSpreadCluster([{ name: 'bulk' }], say);
  const vip = vips.get('bulk')!;
  figures.push({ name: 'cluster up, l2lb installed with spreading, pods Ready (warm image cache)', value: Date.now() - t0, unit: 'ms' });
  // A failed phase is noted and ends the run; the figures of the phases before it are still written.
  const phase = async (name: string, f: () => Promise<void>): Promise<boolean> => {
    try {
      await f();
      notes.push(`Load average after ${name}: ${load()}.`);
      return true;
    } catch (err) {
      errors.push(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      say(errors.at(-1)!);
      return false;
    }
  };
  try {
    const ok = await phase('throughput', async () => {
      const client = FlowClient.start(c.lab);
      try {
        const t = await measureSpreadThroughput(c, client, 'bulk', vip, MBIT, PULL);
        figures.push(...throughputFigures(c, t));
        say(`throughput off ${t.offMbit.toFixed(1)}, on ${t.onMbit.toFixed(1)} Mbit/s`);
      } finally {
        client.stop();
      }
    }) && await phase('non-owner death', async () => {
      const d = await measureNodeDeath(c, 'bulk', vip, 'non-owner', FLOWS);
      figures.push(...nonOwnerFigures(d));
      say(`${d.victim} killed: ${disturbed(d).length} of ${onOtherNodes(d)} on other nodes disturbed; restarting it`);
      await c.restartNode(d.victim);
      await c.waitForReadyPods(L2LB_NAMESPACE, SPEAKER_SELECTOR, c.nodes.length, 180_000);
      await c.waitForReadyPods(APP_NAMESPACE, 'app=bulk', c.nodes.length, 180_000);
      // Pod statuses can still say Ready from before the death: wait for answers from every node.
      const client = FlowClient.start(c.lab);
      try {
        await flowsReaching(client, vip, c.nodes.map((n) => n.plan.name), 180_000);
      } finally {
        client.stop();
      }
    });
    if (ok) {
      await phase('owner failover', async () => {
        const d = await measureNodeDeath(c, 'bulk', vip, 'owner', FLOWS);
        figures.push(...ownerFigures(d));
        say(`owner ${d.victim} killed: ${disturbed(d).length} of ${onOtherNodes(d)} on surviving nodes disturbed`);
      });
    }
  } finally {
    await c.stop();
  }
  for (const f of figures) process.stdout.write(`  ${f.name}: ${f.value} ${f.unit}\n`);
  const capMb = (MBIT * 1e6 * (PULL.warmup + PULL.seconds)) / 8 / 1e6;
  notes.push(
    ...errors,
    `3 real nodes (containerd 1.6, kubelet and kube-proxy v1.35 iptables) in lab namespaces on 2 shared cores; each node's uplink (eth0 egress) shaped with tbf to ${MBIT} Mbit/s; ${PULL.parallel} connections pulling 1 MB blobs, a new connection per blob; throughput is the bytes that arrived in ${PULL.seconds} s after a ${PULL.warmup} s warm-up.`,
    `Reply bytes are counted on each node's uplink (netdev egress, source the VIP) from the start of a pull to its end, before the shaper: segments the shaper drops count, and so do their retransmissions, so a node can show more than the ${capMb.toFixed(1)} MB its link carries in that time.`,
    'Node deaths: link down, then kubelet, kube-proxy, containerd and containers SIGKILLed. The owner\'s table is read back from the kernel (nft list) every 100 ms.',
  );
  say(`report: ${writeBenchReport({ benchmark: 'spread-realcluster', startedAt, figures, notes })}`);
  if (errors.length > 0) throw new Error(errors.join('; '));
}
