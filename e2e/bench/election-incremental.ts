// BENCH=election-incremental: the pure election at 1,000 nodes and 10,000 VIPs. A full election
// ranks 10 million (node, VIP) pairs; IncrementalElection re-elects only what a death or a return
// affects. Figures are CPU time of this process (user + system) per operation, median and max over
// a sample of nodes; the full election is measured once.
import { electAll } from '../../speaker/election/elect.js';
import { IncrementalElection } from '../../speaker/election/incremental.js';
import type { ElectionInput } from '../../speaker/election/types.js';
import { percentile, writeBenchReport, type BenchFigure } from './report.js';

const NODES = 1_000;
const VIPS = 10_000;
const SAMPLE = 10;

const cpuMs = (f: () => void): number => {
  const t0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};

function input(): ElectionInput {
  const nodes = Array.from({ length: NODES }, (_, i) => ({ name: `node-${String(i).padStart(4, '0')}`, labels: {}, conditions: [] }));
  return {
    nodes,
    alivePeers: new Set(nodes.map((n) => n.name)),
    pools: [{ name: 'p', labels: {} }],
    l2Advertisements: [{ name: 'all' }],
    services: Array.from({ length: VIPS }, (_, i) => ({
      key: `ns${i % 50}/svc-${i}`,
      ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
      pool: 'p',
      externalTrafficPolicy: 'Cluster' as const,
      endpoints: [{ nodeName: nodes[i % NODES]?.name ?? null, ready: true }],
    })),
  };
}

export async function runElectionIncrementalBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const base = input();
  const everyone = base.alivePeers;
  let inc: IncrementalElection | undefined;
  const buildMs = cpuMs(() => (inc = new IncrementalElection(base)));
  const election = inc as unknown as IncrementalElection;
  const fullMs = cpuMs(() => electAll(base));
  const death: number[] = [];
  const back: number[] = [];
  const read: number[] = [];
  const moved: number[] = [];
  const all: number[] = [];
  for (let k = 0; k < SAMPLE; k++) {
    const victim = base.nodes[(k * 97) % NODES]?.name as string;
    const without = new Set([...everyone].filter((n) => n !== victim));
    let changed: string[] = [];
    death.push(cpuMs(() => (changed = election.setAlive(without))));
    moved.push(changed.length);
    // What the shell reads after a change: the owners of the Services that moved.
    read.push(cpuMs(() => changed.forEach((key) => election.owner(key))));
    back.push(cpuMs(() => election.setAlive(everyone)));
    all.push(cpuMs(() => election.results()));
  }
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 100) / 100;
  const figures: BenchFigure[] = [
    { name: 'full election, 1,000 nodes x 10,000 VIPs', value: r(fullMs), unit: 'ms CPU' },
    { name: 'incremental: first (full) build', value: r(buildMs), unit: 'ms CPU' },
    { name: 'incremental: one node dies, median', value: r(percentile(sorted(death), 50)), unit: 'ms CPU', target: '<= 50' },
    { name: 'incremental: one node dies, max', value: r(Math.max(...death)), unit: 'ms CPU', target: '<= 50' },
    { name: 'incremental: it returns, median', value: r(percentile(sorted(back), 50)), unit: 'ms CPU', target: '<= 50' },
    { name: 'incremental: it returns, max', value: r(Math.max(...back)), unit: 'ms CPU', target: '<= 50' },
    { name: 'incremental: reading the moved owners after a death, max', value: r(Math.max(...read)), unit: 'ms CPU' },
    { name: 'incremental: every result as a map after a change (no candidate lists), median', value: r(percentile(sorted(all), 50)), unit: 'ms CPU' },
    { name: 'Services whose owner moved per death, median', value: percentile(sorted(moved), 50), unit: 'Services' },
  ];
  const notes = [`${NODES} nodes, ${VIPS} single-IP Services in one pool, every node eligible; ${SAMPLE} nodes each killed and returned.`];
  const file = writeBenchReport({ benchmark: 'election-incremental', startedAt, figures, notes });
  for (const f of figures) process.stdout.write(`  ${f.name}: ${f.value} ${f.unit}\n`);
  process.stdout.write(`election-incremental bench: ${file}\n`);
}
