// BENCH=membership-scale: the membership protocol at 10, 100, 1,000 and 5,000 speakers, simulated
// in one process (speaker/membership/sim): real engines, real codec and HMAC, a fake clock and a
// simulated network. Per N it writes what one speaker spends (CPU ms per second inside the engine,
// datagrams and bytes per second, in plus out), how long a kill takes until EVERY surviving speaker
// has the new alive set, false deaths under 1 % and 5 % random loss, and the longest window in which
// two speakers would answer for one VIP while one link is bad (cut both ways, then one way).
// MEMBERSHIP_SCALE_PROTOCOL=v1 measures the previous wire version (full mesh), v2-only version 2
// without the idle version 1 state a rolling-upgrade speaker keeps (O(N) per node, N^2 here); MEMBERSHIP_SCALE_N
// picks sizes (e.g. "10,100"). CPU is wall time inside engine calls on a shared machine: compare
// runs of one session, not across machines. A size whose start outruns its budget (startCut: 5,000
// here) reports how far the start got instead of its figures.
import { loadavg } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { createEngine, type WireVersion } from '../../speaker/membership/create-engine.js';
import { AnswerTracker } from '../../speaker/membership/sim/answerers.js';
import { SimNetwork, rng, simNames, type ChangeRecord } from '../../speaker/membership/sim/network.js';
import { percentile, writeBenchReport, type BenchFigure } from './report.js';

const KEY = Buffer.from('membership-scale-bench-key-32byt');
const INTERVAL = 100;
const TICK = 10;
const DEAD_AFTER = 500;
const STARTUP_SPREAD_MS = 500;
const VIPS = Array.from({ length: 64 }, (_, i) => `192.0.2.${i + 1}`);

interface Plan {
  readonly steadyMs: number;
  readonly kills: number;
  readonly lossMs: number;
  readonly badLinkMs: number;
}

const plans: Record<number, Plan> = {
  10: { steadyMs: 5_000, kills: 5, lossMs: 20_000, badLinkMs: 5_000 },
  100: { steadyMs: 3_000, kills: 5, lossMs: 10_000, badLinkMs: 3_000 },
  1000: { steadyMs: 2_000, kills: 5, lossMs: 5_000, badLinkMs: 2_000 },
  5000: { steadyMs: 1_000, kills: 3, lossMs: 2_000, badLinkMs: 1_000 },
};
/**
 * How long the simulated start may take (MEMBERSHIP_SCALE_START_BUDGET_S, default 20 minutes of
 * wall time), and how much of the heap limit it may fill (70 %). The start is O(N^2) in one
 * process: 5,000 does not finish here. Past either bound the size reports how far its start got
 * (nodes started, wall time, RSS) instead of its figures, and the next size runs.
 */
const START_BUDGET_S = Number(process.env['MEMBERSHIP_SCALE_START_BUDGET_S'] ?? 1_200) || 1_200;
const START_HEAP_SHARE = 0.7;

/** MEMBERSHIP_SCALE_SHORTEN=10 divides every phase by 10 (the full-mesh protocol at 100 nodes). */
const shorten = Math.max(1, Number(process.env['MEMBERSHIP_SCALE_SHORTEN'] ?? 1) || 1);
function planFor(n: number): Plan {
  const p = plans[n] ?? { steadyMs: 2_000, kills: 3, lossMs: 3_000, badLinkMs: 2_000 };
  const s = (ms: number): number => Math.max(200, Math.round(ms / shorten));
  return { steadyMs: s(p.steadyMs), kills: Math.max(1, Math.round(p.kills / shorten)), lossMs: s(p.lossMs), badLinkMs: s(p.badLinkMs) };
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
const max = (xs: number[]): number => (xs.length === 0 ? Number.NaN : Math.max(...xs));
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

interface SizeResult {
  readonly n: number;
  readonly figures: BenchFigure[];
  readonly notes: string[];
}

function measureSize(n: number, version: WireVersion, seed: number): SizeResult {
  const plan = planFor(n);
  const wallStart = performance.now();
  const sim = new SimNetwork({
    names: simNames(n),
    seed,
    measureCpu: true,
    factory: (self, now) => createEngine(version, { self, keys: [KEY], intervalMs: INTERVAL, tickMs: TICK, deadAfterMs: DEAD_AFTER }, now),
  });
  const tracker = new AnswerTracker(sim, VIPS);
  const records: ChangeRecord[] = [];
  // Only deaths are read below; a bootstrap alone reports N "heard" changes on every node (N^2).
  sim.onChange = (c) => {
    if (!c.alive) records.push(c);
    tracker.touch(c.observer);
  };
  const pick = rng(seed + 1);
  const runTracked = (ms: number): void => sim.run(ms, () => tracker.update());

  const progress = (what: string): void => {
    process.stdout.write(`  N=${n} ${what} (simulated ${(sim.t / 1000).toFixed(1)} s, wall ${((performance.now() - wallStart) / 1000).toFixed(0)} s, RSS ${(process.memoryUsage.rss() / 2 ** 30).toFixed(2)} GiB)\n`);
  };
  // The speakers start spread over STARTUP_SPREAD_MS, as a DaemonSet's pods do, not all in one
  // simulated millisecond: with N^2 first reports flooding at once, the simulator alone held
  // gigabytes of datagrams in flight at 1,000 nodes (the protocol's work is the same either way).
  const perMs = Math.ceil(n / STARTUP_SPREAD_MS);
  // From 1,000 nodes the start alone takes minutes: say how far it got, so that a run stopped
  // before its figures (5,000 on this machine) still shows where the time and memory went.
  const startStep = n >= 1_000 ? Math.max(perMs, Math.round(n / 10)) : Number.POSITIVE_INFINITY;
  const heapLimit = getHeapStatistics().heap_size_limit;
  for (let i = 0; i < n; i += perMs) {
    for (const x of sim.nodes.slice(i, i + perMs)) sim.start(x.name);
    runTracked(1);
    const started = Math.min(n, i + perMs);
    if (Math.floor(started / startStep) > Math.floor(i / startStep)) progress(`${started} of ${n} started`);
    const wallS = (performance.now() - wallStart) / 1000;
    const heapShare = getHeapStatistics().used_heap_size / heapLimit;
    if (started < n && (wallS > START_BUDGET_S || heapShare > START_HEAP_SHARE)) return startCut(n, started, wallS, heapShare, heapLimit);
  }
  runTracked(1_500);
  progress('bootstrapped');

  // Steady state. Engine time is wall time; on a loaded machine a call also counts the time the
  // process was not scheduled, so it is scaled by the process's CPU / wall ratio over the phase.
  sim.resetStats();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  runTracked(plan.steadyMs);
  const cpuUsed = process.cpuUsage(cpu0);
  const scheduled = Math.min(1, (cpuUsed.user + cpuUsed.system) / 1000 / (performance.now() - wall0));
  const secs = plan.steadyMs / 1000;
  const live = sim.running();
  const cpu = live.map((x) => (x.stats.cpuMs * scheduled) / secs);
  const dgs = live.map((x) => (x.stats.sentDatagrams + x.stats.receivedDatagrams) / secs);
  const bytes = live.map((x) => (x.stats.sentBytes + x.stats.receivedBytes) / secs / 1024);
  const maxDatagram = Math.max(...sim.nodes.map((x) => x.stats.largestDatagram));

  progress(`steady state: CPU ${round(median(cpu), 2)} / ${round(max(cpu), 2)} ms/s per node (median / max), ${round(median(dgs))} datagrams/s, ${round(median(bytes))} KB/s`);
  // Kills: time until every surviving speaker has dropped the killed one.
  const killed = new Set<string>();
  const agreeMs: number[] = [];
  let unfinished = 0;
  for (let k = 0; k < plan.kills; k++) {
    const candidates = sim.running().filter((x) => !killed.has(x.name));
    const victim = candidates[Math.floor(pick() * candidates.length)]?.name as string;
    runTracked(Math.floor(pick() * INTERVAL)); // a random point of the heartbeat cycle
    const t0 = sim.t;
    killed.add(victim);
    sim.kill(victim);
    const from = records.length;
    const seen = new Set<string>();
    const running = new Set(sim.running().map((x) => x.name));
    const ok = sim.runUntil(() => {
      tracker.update();
      for (let i = from; i < records.length; i++) {
        const r = records[i] as ChangeRecord;
        if (r.peer === victim && !r.alive) seen.add(r.observer);
      }
      return [...running].every((x) => seen.has(x));
    }, 3_000);
    if (ok) agreeMs.push(sim.t - t0);
    else unfinished++;
    // Back (a new boot id), so the next phases run on a whole cluster.
    runTracked(300);
    sim.start(victim);
    killed.delete(victim);
    runTracked(1_000);
  }

  // False deaths under random loss (no kills during the run).
  const falseDeaths = (loss: number): number => {
    sim.loss = loss;
    const from = records.length;
    runTracked(plan.lossMs);
    sim.loss = 0;
    const subjects = new Set<string>();
    for (let i = from; i < records.length; i++) {
      const r = records[i] as ChangeRecord;
      if (!r.alive && !killed.has(r.peer)) subjects.add(r.peer);
    }
    runTracked(1_000); // let any false death heal before the next phase
    return subjects.size;
  };
  progress('kills done');
  const false1 = falseDeaths(0.01);
  const false5 = falseDeaths(0.05);
  progress('loss phases done');

  // One bad link between two speakers that monitor each other: cut both ways, then one way.
  const [a, b] = monitoringPair(sim, killed);
  tracker.reset();
  sim.drop = (f, t) => (f === a && t === b) || (f === b && t === a);
  runTracked(plan.badLinkMs);
  sim.drop = (f, t) => f === b && t === a;
  runTracked(plan.badLinkMs);
  sim.drop = () => false;
  runTracked(1_000);
  const twoMs = tracker.maxTwo;

  const wallS = (performance.now() - wallStart) / 1000;
  const label = `N=${n}`;
  const figures: BenchFigure[] = [
    { name: `${label} CPU per node, median`, value: round(median(cpu), 2), unit: 'ms/s', target: n === 1000 ? '<= 10' : undefined },
    { name: `${label} CPU per node, max`, value: round(max(cpu), 2), unit: 'ms/s' },
    { name: `${label} datagrams per node (in+out)`, value: round(median(dgs)), unit: '/s', target: n === 1000 ? '<= 200' : undefined },
    { name: `${label} bytes per node (in+out)`, value: round(median(bytes)), unit: 'KB/s', target: n === 1000 ? '<= 50' : undefined },
    { name: `${label} largest datagram sent (whole run: floods and pushes too)`, value: Math.round(maxDatagram), unit: 'B', target: '< 1200' },
    { name: `${label} kill to agreement, median`, value: median(agreeMs), unit: 'ms', target: n === 1000 ? '<= 600' : undefined },
    { name: `${label} kill to agreement, max`, value: max(agreeMs), unit: 'ms', target: n === 1000 ? '<= 1000' : undefined },
    { name: `${label} false deaths at 1 % loss`, value: false1, unit: 'nodes', target: n === 1000 ? '0' : undefined },
    { name: `${label} false deaths at 5 % loss`, value: false5, unit: 'nodes' },
    { name: `${label} two answerers after one bad link, longest`, value: twoMs, unit: 'ms', target: n === 1000 ? '0' : undefined },
  ].map((f) => (f.target === undefined ? { name: f.name, value: f.value, unit: f.unit } : (f as BenchFigure)));
  const notes = [
    `${label}: load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end; the process ran ${(scheduled * 100).toFixed(0)} % of the steady phase's wall time (engine times scaled by it).`,
    `${label}: ${plan.kills} kill(s) (${unfinished} not agreed within 3 s), ${plan.lossMs / 1000} s per loss rate, ${plan.badLinkMs / 1000} s per bad-link phase; simulated ${(sim.t / 1000).toFixed(1)} s in ${wallS.toFixed(0)} s of wall time.`,
  ];
  return { n, figures, notes };
}

/** A size whose start went past its budget: how far it got, and why it stopped. */
function startCut(n: number, started: number, wallS: number, heapShare: number, heapLimit: number): SizeResult {
  const label = `N=${n}`;
  const why = wallS > START_BUDGET_S ? `the ${START_BUDGET_S} s start budget (MEMBERSHIP_SCALE_START_BUDGET_S)` : `${Math.round(START_HEAP_SHARE * 100)} % of the ${(heapLimit / 2 ** 30).toFixed(1)} GiB heap limit (raise it with node --max-old-space-size)`;
  process.stdout.write(`  ${label} start stopped at ${started} of ${n} nodes: past ${why}\n`);
  return {
    n,
    figures: [
      { name: `${label} nodes started before the start's budget ran out (no other figure at this size)`, value: started, unit: `of ${n}` },
      { name: `${label} wall time of that partial start`, value: Math.round(wallS), unit: 's' },
      { name: `${label} RSS at that point (one process holding every node)`, value: round(process.memoryUsage.rss() / 2 ** 30, 2), unit: 'GiB' },
    ],
    notes: [
      `${label}: the start was stopped past ${why}, heap ${(heapShare * 100).toFixed(0)} % full. One process holds every node's copy of every other node's report (N^2) and carries the O(N^2) datagrams of all N starting within ${STARTUP_SPREAD_MS} ms; a real speaker holds N reports.`,
    ],
  };
}

/** Two running nodes that heartbeat each other (any two for a full mesh). */
function monitoringPair(sim: SimNetwork, killed: ReadonlySet<string>): [string, string] {
  const alive = sim.running().filter((x) => !killed.has(x.name));
  const a = alive[0]?.name as string;
  const engine = sim.engine(a) as { neighbours?: () => readonly string[] };
  const next = engine.neighbours?.().find((x) => !killed.has(x)) ?? (alive[1]?.name as string);
  return [a, next];
}

export async function runMembershipScaleBench(): Promise<void> {
  const startedAt = new Date().toISOString();
  const version = (process.env['MEMBERSHIP_SCALE_PROTOCOL'] ?? 'v2') as WireVersion;
  if (version !== 'v1' && version !== 'v2' && version !== 'v2-only') throw new Error(`MEMBERSHIP_SCALE_PROTOCOL must be v1, v2 or v2-only, not ${String(version)}`);
  const sizes = (process.env['MEMBERSHIP_SCALE_N'] ?? '10,100,1000,5000').split(',').map((s) => Number(s.trim())).filter((x) => Number.isInteger(x) && x >= 2);
  const figures: BenchFigure[] = [];
  const notes = [
    `Wire version ${version}; interval ${INTERVAL} ms, dead after ${DEAD_AFTER} ms, timers at each engine's nextTimerAt (version 1: tick ${TICK} ms), rounds on multiples of the interval, 1 ms one-way delay, ${VIPS.length} VIPs for the answerer windows.`,
    'CPU: wall time inside one node\'s engine calls (decode, HMAC, rules, encode) per simulated second; datagrams and bytes count in plus out.',
  ];
  for (const n of sizes) {
    process.stdout.write(`membership-scale: ${version} N=${n} ...\n`);
    const r = measureSize(n, version, 11 + n);
    figures.push(...r.figures);
    notes.push(...r.notes);
    for (const f of r.figures) process.stdout.write(`  ${f.name}: ${f.value} ${f.unit}\n`);
  }
  const file = writeBenchReport({ benchmark: version === 'v2' ? 'membership-scale' : `membership-scale-${version}`, startedAt, figures, notes });
  process.stdout.write(`membership-scale bench: ${file}\n`);
}
