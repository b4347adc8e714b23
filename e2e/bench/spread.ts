// BENCH=spread: flow spreading on real kernels (network-namespace lab, e2e/spread/dr-lab.ts):
// - throughput: every node's uplink shaped to the same rate (tbf), a client pulling 1 MB blobs
//   over many parallel connections (throughput: bytes arriving in a fixed window) with spreading off and then on, in the same run; reply bytes
//   per node counted at the client by source MAC;
// - owner failover with 100 long-lived connections: the owner's link goes down, the survivors'
//   new owner installs its table (one fewer node), the client follows the new owner's MAC; then
//   every connection is asked again: resets among connections whose node survived (target 0);
// - a non-owner's death: connections on other nodes that changed node or broke (target 0).
// The nodes stand in for kube-proxy with the VIP on lo; BENCH=spread-realcluster is the same on
// real nodes. Shaping and pull settings: benchShaping (e2e/spread/dr-lab.ts).
import { loadavg } from 'node:os';
import { createLab, type LabEndpoint } from '../lab/lab.js';
import { benchShaping, countRepliesByNode, cpuBusySince, FlowClient, labElect, labSpreader, mbitPerS, pointClientAt, prepareDirectRouting, shapeUplinks, type Vips } from '../spread/dr-lab.js';
import { writeBenchReport, type BenchFigure } from './report.js';

const VIPS: Vips = { v4: '192.0.2.220', v6: '2001:db8::220' };
const { mbit: MBIT, pull: PULL } = benchShaping();
const FLOWS = 100;

async function withLab<T>(f: (lab: Awaited<ReturnType<typeof createLab>>, client: FlowClient, nodes: [LabEndpoint, LabEndpoint, LabEndpoint]) => Promise<T>): Promise<T> {
  const lab = await createLab({ nodes: 3 });
  const servers = await prepareDirectRouting(lab, VIPS);
  const client = FlowClient.start(lab);
  try {
    await pointClientAt(lab, lab.nodes[0]!, VIPS);
    return await f(lab, client, lab.nodes as [LabEndpoint, LabEndpoint, LabEndpoint]);
  } finally {
    client.stop();
    for (const s of servers) s.kill();
    await lab.destroy();
  }
}

const rounded = (x: number): number => Math.round(x * 100) / 100;

export async function runSpreadBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const figures: BenchFigure[] = [];
  const notes: string[] = [`Load average at the start: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}.`];

  await withLab(async (lab, client, [n1, n2, n3]) => {
    let spread = false;
    const spreader = labSpreader(lab, n1, () => spread);
    await shapeUplinks(lab, MBIT);
    const replies = await countRepliesByNode(lab, VIPS);
    await labElect(spreader, VIPS, [n1, n2, n3]);
    let cpu = cpuBusySince();
    const off = await client.pull(VIPS.v4, PULL);
    const cpuOff = cpu();
    const afterOff = await replies();
    spread = true;
    await labElect(spreader, VIPS, [n1, n2, n3]);
    cpu = cpuBusySince();
    const on = await client.pull(VIPS.v4, PULL);
    const cpuOn = cpu();
    const afterOn = await replies();
    await spreader.stop();
    figures.push(
      { name: `throughput, spreading off (uplinks ${MBIT} Mbit/s each, ${PULL.parallel} parallel pulls)`, value: rounded(mbitPerS(off)), unit: 'Mbit/s' },
      { name: `throughput, spreading on (same shaping, same run)`, value: rounded(mbitPerS(on)), unit: 'Mbit/s' },
      { name: 'throughput ratio on / off', value: rounded(mbitPerS(on) / mbitPerS(off)), unit: 'x', target: '>= 2.5' },
      { name: "machine's CPU busy during the pull, spreading off (2 cores, every process)", value: Math.round(cpuOff * 100), unit: '%' },
      { name: "machine's CPU busy during the pull, spreading on", value: Math.round(cpuOn * 100), unit: '%' },
    );
    for (const n of [n1, n2, n3]) {
      const mb = ((afterOn.get(n.name)?.bytes ?? 0) - (afterOff.get(n.name)?.bytes ?? 0)) / 1e6;
      figures.push({ name: `reply bytes from ${n.name} with spreading on${n === n1 ? ' (owner)' : ''}`, value: Math.round(mb * 10) / 10, unit: 'MB', target: '> 0' });
    }
  });

  await withLab(async (lab, client, [n1, n2, n3]) => {
    const n1Spreader = labSpreader(lab, n1, () => true);
    await labElect(n1Spreader, VIPS, [n1, n2, n3]);
    const before = await client.open(VIPS.v4, FLOWS);
    await lab.setLink(n1.ns, 'down');
    await n1Spreader.stop();
    const t0 = performance.now();
    const n2Spreader = labSpreader(lab, n2, () => true);
    await labElect(n2Spreader, VIPS, [n2, n3]);
    await pointClientAt(lab, n2, VIPS);
    const installMs = performance.now() - t0;
    const after = await client.ask();
    const survivors = before.map((node, i) => [node, after[i]] as const).filter(([node]) => node !== n1.name);
    await n2Spreader.stop();
    figures.push(
      { name: `owner failover: connections on surviving nodes (of ${FLOWS})`, value: survivors.length, unit: 'connections' },
      { name: 'owner failover: of those, reset or moved', value: survivors.filter(([node, now]) => now !== node).length, unit: 'connections', target: '0' },
      { name: 'owner failover: connections lost with the dead owner', value: before.length - survivors.length, unit: 'connections' },
      { name: 'owner failover: new owner builds and installs its table (nft)', value: Math.round(installMs), unit: 'ms' },
    );
  });

  await withLab(async (lab, client, [n1, n2, n3]) => {
    const spreader = labSpreader(lab, n1, () => true);
    await labElect(spreader, VIPS, [n1, n2, n3]);
    const before = await client.open(VIPS.v4, FLOWS);
    await lab.setLink(n3.ns, 'down');
    await labElect(spreader, VIPS, [n1, n2]);
    const after = await client.ask();
    const others = before.map((node, i) => [node, after[i]] as const).filter(([node]) => node !== n3.name);
    await spreader.stop();
    figures.push(
      { name: `non-owner death: connections on other nodes (of ${FLOWS})`, value: others.length, unit: 'connections' },
      { name: 'non-owner death: of those, reset or moved', value: others.filter(([node, now]) => now !== node).length, unit: 'connections', target: '0' },
    );
  });

  for (const f of figures) process.stdout.write(`  ${f.name}: ${f.value} ${f.unit}\n`);
  notes.push(
    'Network-namespace lab: 3 node namespaces on one bridge, the VIP on each node\'s lo (standing in for kube-proxy), the owner\'s rules from the speaker\'s FlowSpreader and nft.',
    `Load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}.`,
  );
  process.stdout.write(`spread bench: ${writeBenchReport({ benchmark: 'spread', startedAt, figures, notes })}\n`);
}
