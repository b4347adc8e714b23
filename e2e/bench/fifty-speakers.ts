// Failover bench phase "fifty": 50 real speakers in 50 node namespaces (the lab's maximum here).
// What starting them costs (the speakers' CPU from their start until membership settled, the
// setup's wall time), then idle for L2LB_FIFTY_IDLE_SECONDS (default 300) counting false failovers
// and the speakers' CPU at rest, then SIGKILL + link down of the VIP's owner, L2LB_FIFTY_TRIALS
// times (default 10). Load averages go to the notes: on a shared machine they are half the figure.
import { loadavg } from 'node:os';
import { LabCluster } from '../cluster/lab-cluster.js';
import { currentAnswerer } from '../cluster/failover.js';
import { sleep } from '../testenv/wait.js';
import { quietWindow, runTrials, waitOwnedBy } from './failover-trials.js';
import { cpuSeconds } from './packet-lab.js';
import { percentile, type BenchFigure } from './report.js';

const NODES = 50;
const IDLE_SECONDS = Number(process.env['L2LB_FIFTY_IDLE_SECONDS'] ?? 300);
const TRIALS = Number(process.env['L2LB_FIFTY_TRIALS'] ?? 10);

export async function fiftySpeakersPhase(figures: BenchFigure[], notes: string[]): Promise<void> {
  const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
  const setupStart = Date.now();
  notes.push(`fifty: load average before setup ${load()}`);
  const c = await LabCluster.start({ nodes: NODES });
  try {
    const setupMs = Date.now() - setupStart;
    const started = (await Promise.all([...c.speakers.values()].map((p) => cpuSeconds(p.pid!)))).sort((a, b) => a - b);
    figures.push(
      { name: `${NODES} speakers: lab setup to every speaker settled (wall)`, value: Math.round(setupMs / 100) / 10, unit: 's' },
      { name: `${NODES} speakers: CPU from a speaker's start to settled, all speakers`, value: Math.round(started.reduce((a, b) => a + b, 0) * 10) / 10, unit: 's' },
      { name: `${NODES} speakers: the same per speaker, median`, value: Math.round(percentile(started, 50) * 1000), unit: 'ms' },
      { name: `${NODES} speakers: the same per speaker, max`, value: Math.round((started[started.length - 1] ?? Number.NaN) * 1000), unit: 'ms' },
    );
    notes.push(`fifty: load average after setup ${load()}`);
    await c.createPool('bench', { addresses: ['192.0.2.200/29'] });
    await c.createAdvertisement('bench');
    await c.createService('bench');
    const [ip] = await c.waitForIps('bench', 1, 60_000);
    await waitOwnedBy(c, ip!, await currentAnswerer(c, ip!, 60_000), 60_000);
    await sleep(5_000);

    const pids = [...c.speakers.values()].flatMap((p) => (p.running && p.pid !== undefined ? [p.pid] : []));
    const cpu0 = await Promise.all(pids.map(cpuSeconds));
    const wall0 = Date.now();
    const quiet = await quietWindow(c, ip!, IDLE_SECONDS, false);
    const cpu1 = await Promise.all(pids.map(cpuSeconds));
    // The window's own wall time: the scrapes around it take seconds on a loaded machine.
    const wallSeconds = (Date.now() - wall0) / 1000;
    notes.push(`fifty: load average at the end of the idle window ${load()}; the window with its scrapes took ${wallSeconds.toFixed(1)} s`);
    const perSpeaker = cpu1.map((s, i) => ((s - (cpu0[i] ?? 0)) / wallSeconds) * 1000).sort((a, b) => a - b);
    figures.push(
      { name: `${NODES} speakers idle ${IDLE_SECONDS} s: false failovers (peer deaths + ownership moves)`, value: quiet.unrest.length, unit: 'events', target: '0' },
      { name: `${NODES} speakers at rest: CPU per speaker (whole process), median`, value: Math.round(percentile(perSpeaker, 50) * 10) / 10, unit: 'ms/s' },
      { name: `${NODES} speakers at rest: CPU per speaker (whole process), max`, value: Math.round((perSpeaker[perSpeaker.length - 1] ?? Number.NaN) * 10) / 10, unit: 'ms/s' },
      { name: `${NODES} speakers idle: machine CPU busy`, value: Math.round(quiet.cpuBusy * 1000) / 10, unit: '%' },
    );
    if (quiet.unrest.length > 0) notes.push(`fifty idle unrest: ${quiet.unrest.slice(0, 10).map((l) => `${l.node} ${l.event} ${String(l['peer'] ?? l['service'] ?? '')}`).join('; ')}`);

    const kill = await runTrials(c, ip!, 'kill', TRIALS, `kill (${NODES} speakers)`);
    notes.push(`fifty: load average after the trials ${load()}`);
    const s = kill.map((t) => t.connectMs).sort((a, b) => a - b);
    figures.push(
      { name: `${NODES} speakers: SIGKILL + link down to first TCP connection, median`, value: percentile(s, 50), unit: 'ms', target: '<= 600' },
      { name: `${NODES} speakers: the same, max`, value: s[s.length - 1] ?? Number.NaN, unit: 'ms' },
      { name: `${NODES} speakers: trials`, value: kill.length, unit: 'trials' },
      { name: `${NODES} speakers: peer deaths not about the faulted node during the trials`, value: kill.flatMap((t) => t.unrelated).length, unit: 'events', target: '0' },
    );
    // Where the time goes (medians over the trials; the speakers' own log lines).
    const stage = (label: string, pick: (t: (typeof kill)[number]) => number | undefined): void => {
      const xs = kill.map(pick).filter((v): v is number => v !== undefined);
      figures.push({ name: `${NODES} speakers: fault to ${label}, median`, value: xs.length === 0 ? Number.NaN : percentile(xs.sort((a, b) => a - b), 50), unit: 'ms' });
    };
    stage("the first survivor's heartbeat thread deciding the death", (t) => t.timeline.firstDecisionMs);
    stage("the last survivor's", (t) => t.timeline.lastDecisionMs);
    stage("the new owner's heartbeat thread deciding it", (t) => t.timeline.ownerDecisionMs);
    stage("the new owner's main thread logging it", (t) => t.timeline.ownerLoggedMs);
    stage('the new owner announcing the VIP', (t) => t.timeline.ownerAnnouncedMs);
    stage("the client's neighbour entry moving", (t) => t.neighborMs);
    figures.push({ name: `${NODES} speakers: CPU of all survivors from the fault to the first answer, median`, value: percentile(kill.map((t) => t.survivorsCpuMs).sort((a, b) => a - b), 50), unit: 'ms' });
  } finally {
    await c.stop();
  }
}
