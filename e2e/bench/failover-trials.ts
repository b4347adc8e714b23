// The pieces of the failover benchmark that run on one LabCluster: repeated faults on the VIP's
// owner (each followed by bringing the node back), API writes around them, and windows in which
// nothing is faulted (idle or under CPU load) where every peer death or ownership move is false.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { currentAnswerer, measureFailover, restore, type Fault, type FailoverMeasurement } from '../cluster/failover.js';
import type { LabCluster } from '../cluster/lab-cluster.js';
import { describeTimeline, failoverTimeline, type FailoverTimeline } from '../cluster/failover-timeline.js';
import { logsSince, markLogs, type NodeLog } from '../cluster/log-marks.js';
import { Prober } from '../cluster/observe.js';
import { apiserverMetrics, apiserverWrites, controllerMetrics, diffWrites, metricSum, speakerMetrics, type ApiWrites } from '../cluster/scrape.js';
import { sleep } from '../testenv/wait.js';
import { cpuSeconds } from './packet-lab.js';

const say = (line: string): void => void process.stderr.write(`failover: ${line}\n`);

/** Peer deaths, self-deaths and ownership moves: none of them may happen without a fault. */
export const UNREST_EVENTS = ['peerDead', 'serviceAnnounced', 'serviceWithdrawn'] as const;

export interface WriteSnapshot {
  readonly api: ApiWrites;
  /** l2lb_k8s_writes_total per program (speaker node name or "controller"). */
  readonly l2lb: ReadonlyMap<string, number>;
}

export async function snapshotWrites(c: LabCluster): Promise<WriteSnapshot> {
  const l2lb = new Map<string, number>();
  for (const [node, p] of c.speakers) if (p.running) l2lb.set(node, metricSum(await speakerMetrics(c, node), 'l2lb_k8s_writes_total'));
  l2lb.set('controller', metricSum(await controllerMetrics(c), 'l2lb_k8s_writes_total'));
  return { api: apiserverWrites(await apiserverMetrics(c)), l2lb };
}

/** l2lb's own writes between two snapshots, over the programs present in both. */
export function l2lbWritesBetween(before: WriteSnapshot, after: WriteSnapshot): number {
  let n = 0;
  for (const [k, v] of after.l2lb) {
    const b = before.l2lb.get(k);
    if (b !== undefined) n += v - b;
  }
  return n;
}

export interface Trial extends FailoverMeasurement {
  /** API server writes (control-plane housekeeping aside) from the fault to 2 s later: all, and without Events. */
  readonly apiWrites: number;
  readonly apiWritesNoEvents: number;
  readonly l2lbWrites: number;
  /** Peer deaths / ownership moves that were not about the faulted node. */
  readonly unrelated: readonly NodeLog[];
  readonly writesByResource: Readonly<Record<string, number>>;
  readonly timeline: FailoverTimeline;
  /** CPU of every speaker but the faulted one, from just before the fault to the new owner answering. */
  readonly survivorsCpuMs: number;
}

async function survivorsCpu(c: LabCluster, except: string): Promise<Map<string, number>> {
  const pids = [...c.speakers].filter(([node, p]) => node !== except && p.running && p.pid !== undefined);
  return new Map(await Promise.all(pids.map(async ([node, p]) => [node, await cpuSeconds(p.pid!)] as const)));
}

const WRITE_WINDOW_MS = 2_000;

/** One fault on the node answering ip, measured; then the node is brought back and the VIP with it. */
export async function runTrial(c: LabCluster, ip: string, fault: Fault): Promise<Trial> {
  const owner = await currentAnswerer(c, ip);
  const mark = markLogs(c);
  const before = await snapshotWrites(c);
  const cpu0 = await survivorsCpu(c, owner);
  const m = await measureFailover(c, ip, fault);
  const cpu1 = await survivorsCpu(c, owner);
  let survivorsCpuMs = 0;
  for (const [node, s] of cpu1) survivorsCpuMs += (s - (cpu0.get(node) ?? s)) * 1000;
  await sleep(WRITE_WINDOW_MS - Math.min(WRITE_WINDOW_MS, m.connectMs));
  const after = await snapshotWrites(c);
  const w = diffWrites(after.api, before.api);
  // Everything in the window must be about the faulted node: its death, and the moves it causes.
  const unrelated = logsSince(c, mark, UNREST_EVENTS).filter((l) => !(l.event === 'peerDead' ? l['peer'] === owner : true));
  const timeline = failoverTimeline(logsSince(c, mark, ['peerDead', 'serviceAnnounced']), owner, m.to, ip, m.t0);
  await restore(c, m.from);
  await waitOwnedBy(c, ip, m.from);
  return { ...m, apiWrites: w.all, apiWritesNoEvents: w.all - w.events, l2lbWrites: l2lbWritesBetween(before, after), unrelated, writesByResource: w.byResource, timeline, survivorsCpuMs: Math.round(survivorsCpuMs) };
}

/** Until the client reaches ip on `node` and that node's speaker has announced it. */
export async function waitOwnedBy(c: LabCluster, ip: string, node: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await c.speakers.get(node)!.waitForLog((l) => l.event === 'serviceAnnounced' && Array.isArray(l['ips']) && (l['ips'] as string[]).includes(ip), timeoutMs, `serviceAnnounced of ${ip}`);
  while ((await c.connect(ip, 300)) !== node) {
    if (Date.now() > deadline) throw new Error(`${ip} did not come back to ${node}`);
    await sleep(50);
  }
  // Let the returning burst and the others' peerAlive settle before the next fault.
  await sleep(500);
}

export async function runTrials(c: LabCluster, ip: string, fault: Fault, n: number, label: string): Promise<Trial[]> {
  const out: Trial[] = [];
  for (let i = 0; i < n; i++) {
    const t = await runTrial(c, ip, fault);
    out.push(t);
    say(`${label} ${i + 1}/${n}: ${t.from} -> ${t.to} connect ${t.connectMs.toFixed(0)} ms neighbour ${t.neighborMs.toFixed(0)} ms, writes ${t.apiWrites} (${t.apiWritesNoEvents} w/o Events) ${JSON.stringify(t.writesByResource)}, unrelated ${t.unrelated.length}; ${describeTimeline(t.timeline)}; survivors' CPU ${t.survivorsCpuMs} ms`);
  }
  return out;
}

export interface QuietWindow {
  readonly seconds: number;
  /** Peer deaths and ownership moves logged by any speaker: all false, nothing was faulted. */
  readonly unrest: readonly NodeLog[];
  readonly apiWrites: ApiWrites;
  readonly l2lbWrites: number;
  /** Client probes of one VIP (every 100 ms) that got no answer. */
  readonly probesFailed: number;
  readonly probes: number;
  /** Machine CPU busy over the window, from /proc/stat (1 = every core busy). */
  readonly cpuBusy: number;
  readonly loadGenerator?: string;
  /** Event-loop stalls the speakers' membership noticed and forgave (rule 7 of membership.ts). */
  readonly stalls: number;
}

async function stallCount(c: LabCluster): Promise<number> {
  let n = 0;
  for (const [node, p] of c.speakers) if (p.running) n += metricSum(await speakerMetrics(c, node), 'l2lb_speaker_event_loop_stalls_total');
  return n;
}

function cpuTimes(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * A window where nothing is faulted, optionally with `stress-ng --cpu 2` in node1's namespace
 * (both cores of this machine busy; the lab shares them). Anything that moves is a false failover.
 */
export async function quietWindow(c: LabCluster, ip: string, seconds: number, load: boolean): Promise<QuietWindow> {
  const mark = markLogs(c);
  const before = await snapshotWrites(c);
  const stalls0 = await stallCount(c);
  const cpu0 = cpuTimes();
  let stress: ChildProcess | undefined;
  const prober = new Prober(c.lab, ip, 100, 1000);
  try {
    if (load) {
      stress = c.lab.spawn(c.nodes[0]!.ns, ['stress-ng', '--cpu', '2', '--timeout', `${seconds + 5}s`, '--quiet']);
      stress.once('error', (e) => say(`stress-ng failed: ${e.message}`));
    }
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await sleep(Math.min(10_000, end - Date.now()));
      if (seconds >= 60) say(`quiet window${load ? ' under load' : ''}: ${Math.round((end - Date.now()) / 1000)} s left, unrest so far ${logsSince(c, mark, UNREST_EVENTS).length}`);
    }
  } finally {
    stress?.kill('SIGKILL');
    prober.stop();
  }
  const cpu1 = cpuTimes();
  const after = await snapshotWrites(c);
  const stalls = (await stallCount(c)) - stalls0;
  const results = prober.results();
  return {
    seconds,
    unrest: logsSince(c, mark, UNREST_EVENTS),
    apiWrites: diffWrites(after.api, before.api),
    l2lbWrites: l2lbWritesBetween(before, after),
    probesFailed: results.filter((r) => !r.ok).length,
    probes: results.length,
    cpuBusy: (cpu1.busy - cpu0.busy) / Math.max(1, cpu1.total - cpu0.total),
    ...(load ? { loadGenerator: 'stress-ng --cpu 2 in node1' } : {}),
    stalls,
  };
}
