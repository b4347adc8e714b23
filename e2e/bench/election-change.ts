// BENCH=election-change: what one membership change costs the pure election at 1,000 nodes and
// 10,000 VIPs (ELECTION_CHANGE_NODES / ELECTION_CHANGE_VIPS override): a full electAll, the
// ballots and first standing the incremental election starts from, then per death and per return
// the incremental re-election (speaker/election/incremental.ts), median and max over random nodes.
// Half the VIPs come from a pool whose advertisement prefers one zone, so preference scores rank.
// Each re-election is checked against a full election of the same alive set (owners), outside
// the timed part. Then the same changes through the speaker's own pass (world/election-pass.ts:
// from the Kubernetes objects, with the announcement plan and the externalIPs refusals), whose
// owners are checked against the pure re-election's. Times are the process's CPU time (user +
// system), not wall time.
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { electAll } from '../../speaker/election/elect.js';
import { ballotsFor, reelect, resultsOf, stand } from '../../speaker/election/incremental.js';
import type { ElectionInput, ElectionResult, NodeInfo, ServiceInfo } from '../../speaker/election/types.js';
import { loadavg } from 'node:os';
import { rng } from '../../speaker/membership/sim/network.js';
import { Elector, type ElectionObjects } from '../../speaker/world/election-pass.js';
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

/** The same world as the Kubernetes objects the speaker's caches would hold. */
function objectsOf(input: ElectionInput): ElectionObjects {
  return {
    nodes: input.nodes.map((n): V1Node => ({ metadata: { name: n.name, labels: { ...n.labels } }, status: { conditions: [] } })),
    services: input.services.map((s): V1Service => {
      const [namespace, name] = s.key.split('/');
      return { metadata: { namespace, name, annotations: { 'metallb.io/ip-allocated-from-pool': s.pool ?? '' } }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: s.ips.map((ip) => ({ ip })) } } };
    }),
    endpointSlices: input.services.map((s): V1EndpointSlice => {
      const [namespace, name] = s.key.split('/');
      return { metadata: { namespace, name: `${name}-x`, labels: { 'kubernetes.io/service-name': name ?? '' } }, addressType: 'IPv4', endpoints: s.endpoints.map((e) => ({ addresses: ['10.255.0.1'], nodeName: e.nodeName ?? undefined, conditions: { ready: true } })) };
    }),
    pools: input.pools.map((p) => ({ metadata: { name: p.name }, spec: { addresses: ['10.0.0.0/8'] } })),
    legacyPools: [],
    l2Advertisements: input.l2Advertisements.map((a) => ({ metadata: { name: a.name }, spec: { ...(a.ipAddressPools ? { ipAddressPools: [...a.ipAddressPools] } : {}), ...(a.preferredNodeSelectors ? { preferredNodeSelectors: [...a.preferredNodeSelectors] } : {}) } })),
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
  // The speaker's pass: one full, then deaths and returns of the same victims.
  const elector = new Elector(() => objectsOf(input), { nodeName: names[0] as string, lbClass: '' });
  const shellFullMs = ms(() => void elector.elect(input.alivePeers, ['eth0']));
  const shellDeathMs: number[] = [];
  const shellReturnMs: number[] = [];
  let shellMismatches = 0;
  const pick2 = rng(7);
  for (let i = 0; i < changes; i++) {
    const victim = names[Math.floor(pick2() * names.length)] as string;
    const without = new Set(names.filter((n) => n !== victim));
    let results: ReadonlyMap<string, ElectionResult> = new Map();
    shellDeathMs.push(ms(() => ({ results } = elector.elect(without, ['eth0']))));
    if (i < 2) {
      const want = resultsOf(reelect(standing, without).standing);
      for (const [key, r] of want) if (results.get(key)?.owner !== r.owner) shellMismatches++;
    }
    shellReturnMs.push(ms(() => void elector.elect(input.alivePeers, ['eth0'])));
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
    { name: `${label}: the speaker's pass (objects to announcement plan), full`, value: round(shellFullMs), unit: 'ms' },
    { name: `${label}: the speaker's pass, one death, median`, value: round(median(shellDeathMs)), unit: 'ms', target: '<= 50' },
    { name: `${label}: the speaker's pass, one death, max`, value: round(Math.max(...shellDeathMs)), unit: 'ms', target: '<= 50' },
    { name: `${label}: the speaker's pass, one return, median`, value: round(median(shellReturnMs)), unit: 'ms', target: '<= 50' },
    { name: `${label}: the speaker's pass, one return, max`, value: round(Math.max(...shellReturnMs)), unit: 'ms', target: '<= 50' },
    { name: `${label}: the speaker's pass, owners differing from the pure re-election (2 deaths checked)`, value: shellMismatches, unit: 'Services', target: '0' },
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
