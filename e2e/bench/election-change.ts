// BENCH=election-change: what one membership change costs the pure election at 1,000 nodes and
// 10,000 VIPs (ELECTION_CHANGE_NODES / ELECTION_CHANGE_VIPS override): a full electAll, the
// ballots and first standing the incremental election starts from, then per death and per return
// the incremental re-election (speaker/election/incremental.ts), median and max over random nodes.
// Half the VIPs come from a pool whose advertisement prefers one zone, so preference scores rank.
// Each re-election is checked against a full election of the same alive set (owners), outside
// the timed part. Times are the process's CPU time (user + system), not wall time.
import { electAll } from '../../speaker/election/elect.js';
import { ballotsFor, reelect, resultsOf, stand } from '../../speaker/election/incremental.js';
import type { ElectionInput, NodeInfo, ServiceInfo } from '../../speaker/election/types.js';
import { loadavg } from 'node:os';
import { rng } from '../../speaker/membership/sim/network.js';
import { percentile, writeBenchReport, type BenchFigure } from './report.js';

// CPU time of this (single-threaded, pure) code: on a shared machine wall time also counts the
// time the process waited for a core.
const ms = (f: () => void): number => {
  const t0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};
const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
const round = (x: number): number => Math.round(x * 100) / 100;

function world(nodes: number, vips: number): ElectionInput {
  const nodeList = Array.from({ length: nodes }, (_, i): NodeInfo => ({ name: `node-${String(i).padStart(4, '0')}`, labels: { zone: i % 3 === 0 ? 'a' : 'b' }, conditions: [] }));
  const services = Array.from(
    { length: vips },
    (_, i): ServiceInfo => ({
      key: `ns/svc-${i}`,
      ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
      pool: i % 2 === 0 ? 'plain' : 'preferring',
      externalTrafficPolicy: 'Cluster',
      endpoints: [{ nodeName: nodeList[i % nodes]?.name ?? null, ready: true }],
    }),
  );
  return {
    nodes: nodeList,
    services,
    alivePeers: new Set(nodeList.map((n) => n.name)),
    pools: [
      { name: 'plain', labels: {} },
      { name: 'preferring', labels: {} },
    ],
    l2Advertisements: [
      { name: 'plain', ipAddressPools: ['plain'] },
      { name: 'preferring', ipAddressPools: ['preferring'], preferredNodeSelectors: [{ weight: 50, preference: { matchLabels: { zone: 'a' } } }] },
    ],
  };
}

export function runElectionChangeBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const nodes = Number(process.env['ELECTION_CHANGE_NODES'] ?? 1000);
  const vips = Number(process.env['ELECTION_CHANGE_VIPS'] ?? 10_000);
  const changes = 10;
  const input = world(nodes, vips);
  const names = input.nodes.map((n) => n.name);
  const fullMs = ms(() => void electAll(input));
  let ballots = ballotsFor(input);
  const ballotMs = ms(() => (ballots = ballotsFor(input)));
  let standing = stand(ballots, input.alivePeers);
  const standMs = ms(() => (standing = stand(ballots, input.alivePeers)));
  const pick = rng(7);
  const deathMs: number[] = [];
  const returnMs: number[] = [];
  const moved: number[] = [];
  let mismatches = 0;
  const check = (alive: ReadonlySet<string>): void => {
    const want = electAll({ ...input, alivePeers: alive });
    for (const [key, r] of resultsOf(standing)) if (want.get(key)?.owner !== r.owner) mismatches++;
  };
  for (let i = 0; i < changes; i++) {
    const victim = names[Math.floor(pick() * names.length)] as string;
    const without = new Set(names.filter((n) => n !== victim));
    deathMs.push(
      ms(() => {
        const r = reelect(standing, without);
        standing = r.standing;
        moved.push(r.moved.length);
      }),
    );
    if (i < 2) check(without);
    returnMs.push(ms(() => (standing = reelect(standing, input.alivePeers).standing)));
    if (i < 2) check(input.alivePeers);
  }
  const label = `${nodes} nodes x ${vips} VIPs`;
  const figures: BenchFigure[] = [
    { name: `${label}: full electAll`, value: round(fullMs), unit: 'ms' },
    { name: `${label}: ballots (everything but liveness), once per object change`, value: round(ballotMs), unit: 'ms' },
    { name: `${label}: first standing over the ballots`, value: round(standMs), unit: 'ms' },
    { name: `${label}: one death, incremental, median`, value: round(median(deathMs)), unit: 'ms', target: '<= 50' },
    { name: `${label}: one death, incremental, max`, value: round(Math.max(...deathMs)), unit: 'ms', target: '<= 50' },
    { name: `${label}: one return, incremental, median`, value: round(median(returnMs)), unit: 'ms', target: '<= 50' },
    { name: `${label}: one return, incremental, max`, value: round(Math.max(...returnMs)), unit: 'ms', target: '<= 50' },
    { name: `${label}: VIPs moved per death, median`, value: median(moved), unit: 'groups' },
    { name: `${label}: owners differing from a full election (4 changes checked)`, value: mismatches, unit: 'Services', target: '0' },
  ];
  for (const f of figures) process.stdout.write(`  ${f.name}: ${f.value} ${f.unit}\n`);
  const file = writeBenchReport({
    benchmark: 'election-change',
    startedAt,
    figures,
    notes: [`${changes} random deaths, each followed by the node's return; CPU time of the process (load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}).`],
  });
  process.stdout.write(`election-change bench: ${file}\n`);
  return Promise.resolve();
}
