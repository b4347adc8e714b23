// Failover benchmark: on the lab cluster (real control plane, controller, 3 real
// speakers), time from a fault on the VIP's owner to the client's first TCP connection answered
// by another node and to its neighbour entry changing MAC, over >= 20 trials each of
//   (a) SIGKILL + link down, (b) SIGTERM, and (a) again with the lowest safe timers;
// API writes at rest and per failover; a soak with both cores busy counting false failovers
// (L2LB_SOAK_SECONDS, default 600); and the speaker at 5,000 VIPs. Figures only, no pass/fail.
// L2LB_FAILOVER_PHASES=default,fast,scale,fifty runs a subset (the others' last figures are kept);
// fifty is 50 speakers (fifty-speakers.ts).
import { LabCluster } from '../cluster/lab-cluster.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, percentile, writeBenchReport, type BenchFigure } from './report.js';
import { quietWindow, runTrials, waitOwnedBy, type QuietWindow, type Trial } from './failover-trials.js';
import { runScale } from './speaker-scale.js';
import { fiftySpeakersPhase } from './fifty-speakers.js';
import { currentAnswerer } from '../cluster/failover.js';
import { sleep } from '../testenv/wait.js';

const TRIALS = Number(process.env['L2LB_FAILOVER_TRIALS'] ?? 20);
const SOAK_SECONDS = Number(process.env['L2LB_SOAK_SECONDS'] ?? 600);
const SCALE_VIPS = Number(process.env['L2LB_SCALE_VIPS'] ?? 5_000);
const STEADY_SECONDS = 30;
/** The lowest timers we call safe here (see the note written with the figures). */
export const FAST_TIMERS = ['--heartbeat-interval-ms', '50', '--dead-after-ms', '250'] as const;
const LOADED_CHECK_SECONDS = Math.min(120, SOAK_SECONDS);

const say = (line: string): void => void process.stderr.write(`failover: ${line}\n`);

function stats(label: string, values: readonly number[], unit: 'ms', targets: { median?: string; max?: string } = {}): BenchFigure[] {
  const s = [...values].sort((a, b) => a - b);
  return [
    { name: `${label}: median`, value: percentile(s, 50), unit, ...(targets.median ? { target: targets.median } : {}) },
    { name: `${label}: p90`, value: percentile(s, 90), unit },
    { name: `${label}: max`, value: s[s.length - 1] ?? Number.NaN, unit, ...(targets.max ? { target: targets.max } : {}) },
  ];
}

function trialFigures(label: string, trials: readonly Trial[], targets: { median?: string; max?: string }): BenchFigure[] {
  return [
    ...stats(`${label}: fault to first TCP connection to the VIP`, trials.map((t) => t.connectMs), 'ms', targets),
    ...stats(`${label}: fault to the client's neighbour entry changing`, trials.map((t) => t.neighborMs), 'ms'),
    { name: `${label}: trials`, value: trials.length, unit: 'trials' },
  ];
}

function writeFigures(label: string, trials: readonly Trial[]): BenchFigure[] {
  const max = (f: (t: Trial) => number): number => Math.max(...trials.map(f));
  const mean = (f: (t: Trial) => number): number => trials.reduce((a, t) => a + f(t), 0) / trials.length;
  return [
    { name: `${label}: API writes per failover (1 moved VIP), Events excluded, max`, value: max((t) => t.apiWritesNoEvents), unit: 'writes', target: '<= 1' },
    { name: `${label}: API writes per failover (1 moved VIP), Events included, mean`, value: mean((t) => t.apiWrites), unit: 'writes' },
    { name: `${label}: l2lb_k8s_writes_total per failover (speakers + controller), max`, value: max((t) => t.l2lbWrites), unit: 'writes' },
  ];
}

function quietFigures(label: string, q: QuietWindow): BenchFigure[] {
  return [
    { name: `${label}: false failovers (peer deaths + ownership moves, nothing faulted)`, value: q.unrest.length, unit: 'events', target: '0' },
    { name: `${label}: duration`, value: q.seconds, unit: 's' },
    { name: `${label}: machine CPU busy`, value: q.cpuBusy * 100, unit: '%' },
    { name: `${label}: client probes unanswered (1 s timeout, every 100 ms)`, value: q.probesFailed, unit: `of ${q.probes}` },
    { name: `${label}: speaker event-loop stalls noticed`, value: q.stalls, unit: 'stalls' },
  ];
}

const describeUnrest = (label: string, q: QuietWindow): string =>
  `${label}: ${q.unrest.length === 0 ? 'no peer death or ownership move' : q.unrest.map((l) => `${l['ts']} ${l.node} ${l.event} ${String(l['peer'] ?? l['service'] ?? '')} ${String(l['cause'] ?? l['reason'] ?? '')}`).join('; ')}`;

async function defaultTimers(figures: BenchFigure[], notes: string[]): Promise<void> {
  const c = await LabCluster.start({ nodes: 3 });
  try {
    await c.createPool('bench', { addresses: ['192.0.2.200/29'] });
    await c.createAdvertisement('bench');
    await c.createService('bench');
    const [ip] = await c.waitForIps('bench');
    const owner = await currentAnswerer(c, ip!);
    await waitOwnedBy(c, ip!, owner);
    await sleep(3_000); // initial statuses and Events written

    const steady = await quietWindow(c, ip!, STEADY_SECONDS, false);
    figures.push(
      { name: `steady state (${STEADY_SECONDS} s, nothing changing): API server writes (control-plane housekeeping aside)`, value: steady.apiWrites.all, unit: 'writes', target: '0' },
      { name: `steady state: l2lb_k8s_writes_total (speakers + controller)`, value: steady.l2lbWrites, unit: 'writes', target: '0' },
    );
    if (steady.apiWrites.all > 0) notes.push(`steady-state writes by resource: ${JSON.stringify(steady.apiWrites.byResource)}`);
    notes.push(describeUnrest('steady state', steady));

    const kill = await runTrials(c, ip!, 'kill', TRIALS, 'kill');
    figures.push(...trialFigures('(a) SIGKILL + link down, default timers', kill, { median: '<= 600', max: '<= 1000' }), ...writeFigures('(a)', kill));
    const term = await runTrials(c, ip!, 'term', TRIALS, 'term');
    figures.push(...trialFigures('(b) SIGTERM, default timers', term, { median: '<= 100' }), ...writeFigures('(b)', term));
    const unrelated = [...kill, ...term].flatMap((t) => t.unrelated);
    figures.push({ name: '(a)+(b): peer deaths not about the faulted node during the trials', value: unrelated.length, unit: 'events', target: '0' });

    // Soak: more VIPs so every node owns some, both cores busy.
    for (const n of ['soak1', 'soak2', 'soak3', 'soak4', 'soak5']) await c.createService(n);
    for (const n of ['soak1', 'soak2', 'soak3', 'soak4', 'soak5']) await c.waitForIps(n);
    await sleep(3_000);
    const soak = await quietWindow(c, ip!, SOAK_SECONDS, true);
    figures.push(...quietFigures(`soak, 6 VIPs, stress-ng --cpu 2, default timers`, soak));
    notes.push(describeUnrest('soak', soak));
  } finally {
    await c.stop();
  }
}

async function fastTimers(figures: BenchFigure[], notes: string[]): Promise<void> {
  const c = await LabCluster.start({ nodes: 3, speakerArgs: FAST_TIMERS });
  try {
    await c.createPool('bench', { addresses: ['192.0.2.200/29'] });
    await c.createAdvertisement('bench');
    await c.createService('bench');
    const [ip] = await c.waitForIps('bench');
    await waitOwnedBy(c, ip!, await currentAnswerer(c, ip!));
    const kill = await runTrials(c, ip!, 'kill', TRIALS, 'kill (fast timers)');
    figures.push(...trialFigures(`(a) SIGKILL + link down, ${FAST_TIMERS.join(' ')}`, kill, {}));
    const unrelated = kill.flatMap((t) => t.unrelated);
    figures.push({ name: `(a) fast timers: peer deaths not about the faulted node during the trials`, value: unrelated.length, unit: 'events', target: '0' });
    const loaded = await quietWindow(c, ip!, LOADED_CHECK_SECONDS, true);
    figures.push(...quietFigures(`fast timers, stress-ng --cpu 2`, loaded));
    notes.push(describeUnrest('fast timers under load', loaded));
  } finally {
    await c.stop();
  }
}

interface PhaseResult {
  readonly startedAt: string;
  readonly figures: BenchFigure[];
  readonly notes: string[];
}

/**
 * Each phase's figures are also kept under .l2lb/bench/failover-phases/, so one phase can be run
 * again (L2LB_FAILOVER_PHASES=scale) and the report still holds the others' last figures.
 */
const phaseFile = (name: string): string => join(benchDir(), 'failover-phases', `${name}.json`);

function loadPhase(name: string): PhaseResult | undefined {
  try {
    return JSON.parse(readFileSync(phaseFile(name), 'utf8')) as PhaseResult;
  } catch {
    return undefined;
  }
}

function savePhase(name: string, r: PhaseResult): void {
  mkdirSync(join(benchDir(), 'failover-phases'), { recursive: true });
  writeFileSync(phaseFile(name), JSON.stringify(r, null, 2) + '\n');
}

async function scalePhase(figures: BenchFigure[], notes: string[]): Promise<void> {
  const s = await runScale(SCALE_VIPS);
  const maxOf = (r: Readonly<Record<string, number>>): number => Math.max(...Object.values(r));
  figures.push(
    { name: `scale (${s.vips} VIPs, 3 speakers): all speakers started to all owned VIPs announced`, value: s.startToAnnouncedMs, unit: 'ms' },
    { name: 'scale: one speaker killed (SIGKILL + link down) to the survivors announcing all its VIPs', value: s.takeoverMs, unit: 'ms' },
    { name: 'scale: CPU for one membership change (peer death) up to the takeover, per survivor, max', value: maxOf(s.changeCpuSeconds) * 1000, unit: 'ms CPU' },
    { name: 'scale: the same up to the end of its API writes (a status + an Event per moved Service), max', value: maxOf(s.changeCpuWithWritesSeconds) * 1000, unit: 'ms CPU' },
    { name: 'scale: fault to the last API write of the change', value: s.writesSettledMs, unit: 'ms' },
    { name: `scale: API writes for the change (${Math.round(s.vips / 3)} moved VIPs), Events excluded`, value: s.changeWritesNoEvents, unit: 'writes' },
    { name: 'scale: of those, writes the API server refused with 409 Conflict', value: s.statusConflicts, unit: 'writes' },
    { name: 'scale: one election over all VIPs (l2lb_speaker_last_election_seconds), max', value: maxOf(s.electionSeconds) * 1000, unit: 'ms' },
    { name: 'scale: the CPU of that election (l2lb_speaker_last_election_cpu_seconds), max', value: maxOf(s.electionCpuSeconds) * 1000, unit: 'ms CPU' },
    { name: 'scale: the election after the peer death, only the VIPs it moved (l2lb_speaker_last_membership_election_seconds), max', value: maxOf(s.membershipElectionSeconds) * 1000, unit: 'ms' },
    { name: 'scale: full elections a survivor ran between the fault and the takeover, max', value: Math.max(...Object.values(s.electionsForChange).map((k) => k['full'] ?? 0)), unit: 'passes', target: '0' },
    { name: 'scale: 1-minute load average at the fault', value: s.loadAtFault, unit: '' },
    { name: 'scale: speaker RSS at rest (30 s idle after the cold start), max', value: maxOf(s.rssMb), unit: 'MB', target: '<= 80' },
    { name: 'scale: the same, of which anonymous (not the shared node binary pages), max', value: maxOf(s.privateMb), unit: 'MB' },
    { name: 'scale: speaker RSS right after the cold start\'s last API write, max', value: maxOf(s.justAfterRssMb), unit: 'MB' },
    { name: 'scale: speaker peak RSS (VmHWM), max', value: maxOf(s.peakRssMb), unit: 'MB' },
    { name: 'scale: announcing errors logged (announceError, joinGroupFailed, leaveGroupFailed, sendFailed)', value: s.announceErrors, unit: 'lines', target: '0' },
    { name: 'scale: cold start: VIPs the first speakers up held and handed over as the others arrived', value: s.coldStartHandovers, unit: 'VIPs' },
    { name: 'scale: cold start: speakers started to the last API write (statuses, Events)', value: s.coldWritesMs, unit: 'ms' },
    { name: 'scale: false peer deaths + withdrawals after every speaker announced its share, before any fault', value: s.falseBeforeFault, unit: 'events', target: '0' },
    { name: 'scale: false peer deaths + withdrawals during the membership change', value: s.falseAfterFault, unit: 'events', target: '0' },
  );
  notes.push(`scale details: ${JSON.stringify(s)}`);
}

export async function runFailoverBench(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the failover benchmark needs root (network namespaces)');
  const startedAt = new Date().toISOString();
  const notes: string[] = [
    'Lab: 3 node namespaces + a client on one bridge, real kube-apiserver/etcd/kube-controller-manager, the real controller and one real speaker per node; all on this machine\'s 2 cores.',
    'Connection time: a prober in the client namespace opens a TCP connection to VIP:8080 every 5 ms (50 ms timeout); the node\'s name server answers its name. Neighbour time: `ip -ts monitor neigh` in the client.',
    `API writes: kube-apiserver's apiserver_request_total (POST/PUT/PATCH/DELETE/APPLY; Leases and core Endpoints aside, which the control plane writes on its own) from the fault to 2 s later; and l2lb's own l2lb_k8s_writes_total.`,
  ];
  const phases: [string, (f: BenchFigure[], n: string[]) => Promise<void>][] = [
    ['default', defaultTimers],
    ['fast', fastTimers],
    ['scale', scalePhase],
    ['fifty', fiftySpeakersPhase],
  ];
  const wanted = (process.env['L2LB_FAILOVER_PHASES'] ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  const figures: BenchFigure[] = [];
  const failed: string[] = [];
  for (const [name, run] of phases) {
    if (wanted.length > 0 && !wanted.includes(name)) {
      const kept = loadPhase(name);
      if (kept) {
        figures.push(...kept.figures);
        notes.push(...kept.notes, `(phase ${name}: figures from the run of ${kept.startedAt})`);
      }
      continue;
    }
    say(`phase ${name}`);
    const r: PhaseResult = { startedAt: new Date().toISOString(), figures: [], notes: [] };
    try {
      await run(r.figures, r.notes);
      savePhase(name, r);
    } catch (err) {
      failed.push(name);
      r.notes.push(`phase ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      say(`phase ${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
    figures.push(...r.figures);
    notes.push(...r.notes);
  }
  notes.push(
    `Fast timers (${FAST_TIMERS.join(' ')}) are called safe here because the trials' idle periods and a ${LOADED_CHECK_SECONDS} s window with both cores saturated saw no false failover (figures above); dead-after is 5 heartbeat intervals, so 4 lost datagrams in a row are tolerated, and membership forgives its own event-loop stalls. Lower was not safe here: in an exploratory run at 20/100 ms a speaker declared itself unheard (self-death, a false failover) after event-loop stalls of its own while a peer's speaker process was starting on the same 2 cores.`,
  );
  writeBenchReport({ benchmark: 'failover', startedAt, figures, notes });
  if (failed.length > 0) throw new Error(`failover benchmark phases failed: ${failed.join(', ')}`);
}
