// The speaker at scale: 3 speakers and 5,000 VIPs (IPv6 LoadBalancer Services from one pool,
// allocated by the real controller; EndpointSlices written directly, as kube-controller-manager
// would, because its default 20 requests/s would make the setup the slowest part; no NodePorts:
// 5,000 Services would not fit the 2,768 of the default range). Measures the
// time from starting all speakers to every one announcing all it owns, the CPU one membership
// change costs each survivor (to the takeover, and to the end of its API writes), and memory.
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { LabCluster } from '../cluster/lab-cluster.js';
import { logsSince, markLogs } from '../cluster/log-marks.js';
import { apiserverMetrics, apiserverWrites, diffWrites, metricSeries, metricSum, speakerMetrics } from '../cluster/scrape.js';
import { rankCandidates } from '../../speaker/election/rank.js';
import { cpuSeconds } from './packet-lab.js';
import { sleep } from '../testenv/wait.js';
import { eachBounded } from '../../shared/async/bounded.js';
import type { ProgramProcess } from '../programs/process.js';

/** Mutating requests the API server answered with 409 Conflict. */
const conflicts409 = (text: string): number =>
  metricSeries(text, 'apiserver_request_total').filter((s) => s.labels['code'] === '409' && s.labels['verb'] !== 'GET' && s.labels['verb'] !== 'LIST' && s.labels['verb'] !== 'WATCH').reduce((a, s) => a + s.value, 0);

const say = (line: string): void => void process.stderr.write(`scale: ${line}\n`);

export interface ScaleResult {
  readonly vips: number;
  readonly setupSeconds: number;
  /** Start of all three speakers to the last of them announcing everything it owns. */
  readonly startToAnnouncedMs: number;
  readonly perSpeakerAnnouncedMs: Readonly<Record<string, number>>;
  /** Fault (SIGKILL + link down of one speaker) to the survivors announcing all its VIPs. */
  readonly takeoverMs: number;
  /** Fault to the API server seeing no more writes (statuses rewritten, Events sent). */
  readonly writesSettledMs: number;
  readonly changeWrites: number;
  readonly changeWritesNoEvents: number;
  /** The same by resource and verb, to see what a change writes. */
  readonly changeWritesByResource: Readonly<Record<string, number>>;
  /** Writes in the change that the API server refused with 409 Conflict (counted in changeWrites). */
  readonly statusConflicts: number;
  /** CPU seconds each survivor spent from the fault to having taken over (idle baseline subtracted). */
  readonly changeCpuSeconds: Readonly<Record<string, number>>;
  /** The same up to the end of its API writes for the change. */
  readonly changeCpuWithWritesSeconds: Readonly<Record<string, number>>;
  /** The last full election (every VIP) of each survivor: l2lb_speaker_last_election_seconds. */
  readonly electionSeconds: Readonly<Record<string, number>>;
  /** The election after the peer death (only the VIPs it moved): l2lb_speaker_last_membership_election_seconds. */
  readonly membershipElectionSeconds: Readonly<Record<string, number>>;
  /** Each survivor's elections from the fault to the takeover, by kind (full, membership). */
  readonly electionsForChange: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The machine's 1-minute load average when the speaker was killed (the bench shares the machine). */
  readonly loadAtFault: number;
  /** The CPU that pass used (l2lb_speaker_last_election_cpu_seconds): wall time minus waiting for a core. */
  readonly electionCpuSeconds: Readonly<Record<string, number>>;
  /** At rest: SETTLE_MS after the cold start's last API write. */
  readonly rssMb: Readonly<Record<string, number>>;
  /** Right after the cold start's last API write. */
  readonly justAfterRssMb: Readonly<Record<string, number>>;
  /** At rest, anonymous memory only (RSS minus shared file pages). */
  readonly privateMb: Readonly<Record<string, number>>;
  readonly peakRssMb: Readonly<Record<string, number>>;
  /** announceError, joinGroupFailed, leaveGroupFailed and sendFailed log lines of every speaker. */
  readonly announceErrors: number;
  /** Peer deaths and withdrawals between the cold start and the fault (nothing faulted: all false). */
  readonly falseBeforeFault: number;
  /** VIPs the first speakers up announced and handed over as the others arrived (cold start). */
  readonly coldStartHandovers: number;
  /** Speakers started to the API server seeing no more writes (statuses, Events). */
  readonly coldWritesMs: number;
  /** Count of each health-related log event over the run (peerDead, mainThreadWedged, eventLoopStall, informer trouble). */
  readonly healthLines: Readonly<Record<string, number>>;
  /** At rest, per speaker: the main thread's JS heap used and reserved, and off-heap memory, MB. */
  readonly heapMb: Readonly<Record<string, { used: number; total: number; external: number }>>;
  /** How long each main-thread wedge lasted, and the slow passes the speakers logged. */
  readonly slowMs: { readonly wedged: readonly number[]; readonly passes: readonly string[] };
  /** Distinct failed ServiceL2Status writes (operation and error), up to 5: what l2StatusWriteFailed counts. */
  readonly statusWriteErrors: readonly string[];
  /** After the fault, peer deaths other than the victim's and any withdrawal (survivors only gain). */
  readonly falseAfterFault: number;
}

/** Idle time before the at-rest memory reading. */
const SETTLE_MS = 30_000;

/**
 * Anonymous (process-private) memory: RSS without the node binary's and libraries' file pages,
 * which every Node.js process on the host shares (~45 MB of RSS for the speaker).
 */
async function anonymousMb(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  return Number(/^Anonymous:\s+(\d+)/m.exec(rollup)?.[1] ?? Number.NaN) / 1024;
}

async function memoryMb(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Services gained minus lost in `lines`, from the speaker's info-level log: a large move is one
 * `ownershipChanged` summary with counts, a small one a line per Service. (The speakers run at
 * info, as in production: at debug they write thousands of lines per move to this process's
 * pipe, synchronously, a load of the bench's own making.)
 */
function ownershipDelta(lines: readonly { event?: string; [k: string]: unknown }[]): { gained: number; lost: number } {
  let gained = 0;
  let lost = 0;
  for (const l of lines) {
    if (l.event === 'ownershipChanged') {
      gained += Number(l['announced'] ?? 0);
      lost += Number(l['withdrawn'] ?? 0);
    } else if (l.event === 'serviceAnnounced') gained++;
    else if (l.event === 'serviceWithdrawn') lost++;
  }
  return { gained, lost };
}
const ownedCount = (p: ProgramProcess): number => {
  const d = ownershipDelta(p.logs);
  return d.gained - d.lost;
};

/** The IPs a speaker's metallb_speaker_announced series name. */
async function announcedByMetrics(c: LabCluster, node: string): Promise<Set<string>> {
  return new Set(metricSeries(await speakerMetrics(c, node), 'metallb_speaker_announced').flatMap((s) => (s.value === 1 && s.labels['ip'] ? [s.labels['ip']] : [])));
}

const countEvents = (lines: readonly { event?: string }[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const l of lines) out[l.event ?? ''] = (out[l.event ?? ''] ?? 0) + 1;
  return out;
};

/** Waits until the API server has seen no write for 3 s; returns when the last one was seen. */
async function writesQuiet(c: LabCluster, timeoutMs = 180_000): Promise<number> {
  let last = -1;
  let stableSince = Date.now();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const w = apiserverWrites(await apiserverMetrics(c)).all;
    if (w !== last) {
      last = w;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 3_000) return stableSince;
    if (Date.now() > deadline) return stableSince;
    await sleep(500);
  }
}

async function waitUntil(what: string, timeoutMs: number, check: () => boolean): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`scale: ${what} not within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now();
}

export async function runScale(vips = 5_000): Promise<ScaleResult> {
  const t0 = Date.now();
  // Speakers at info, as in production: ownership is counted from their summary lines (ownershipDelta).
  const c = await LabCluster.start({ nodes: 3 });
  try {
    const core = c.kc.makeApiClient(CoreV1Api);
    const discovery = c.kc.makeApiClient(DiscoveryV1Api);
    const ns = c.appNamespace;
    const nodes = c.nodes.map((n) => n.name);
    await c.createPool('scale', { addresses: ['2001:db8::1:0/112'] });
    await c.createAdvertisement('scale');
    const everyProcess: ProgramProcess[] = [...c.speakers.values()];
    /** These events' lines from every speaker process of the run, killed ones included. */
    const runLines = (events: readonly string[]) => logsSince(c, new Map(everyProcess.map((p) => [p, 0] as const)), events);
    /** Health-related log lines of every speaker process of the run, by event. */
    const health = (): Record<string, number> =>
      countEvents(runLines(['peerDead', 'mainThreadWedged', 'eventLoopStall', 'informerError', 'informerRelisted', 'membershipFailed', 'l2StatusWriteFailed', 'slowElection', 'slowStatusPlan']));
    const names = Array.from({ length: vips }, (_, i) => `s${i}`);
    await eachBounded(names, 32, (name) =>
      core.createNamespacedService({
        namespace: ns,
        body: { metadata: { name }, spec: { type: 'LoadBalancer', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'], allocateLoadBalancerNodePorts: false, ports: [{ port: 8080, protocol: 'TCP' }] } },
      }),
    );
    say(`${vips} Services created`);
    await eachBounded(names, 32, (name) =>
      discovery.createNamespacedEndpointSlice({
        namespace: ns,
        body: {
          metadata: { name: `${name}-lab`, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'lab.l2lb.io' } },
          addressType: 'IPv6',
          endpoints: nodes.map((node, i) => ({ addresses: [`fd00:244::${i + 1}`], conditions: { ready: true, serving: true }, nodeName: node })),
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      }),
    );
    say(`${vips} EndpointSlices created`);
    let ipOf = new Map<string, string>();
    for (;;) {
      const list = await core.listNamespacedService({ namespace: ns });
      ipOf = new Map(list.items.flatMap((s) => { const ip = s.status?.loadBalancer?.ingress?.[0]?.ip; return ip ? [[s.metadata!.name!, ip] as const] : []; }));
      if (ipOf.size >= vips) break;
      say(`controller allocated ${ipOf.size}/${vips}`);
      await sleep(2_000);
    }
    const expected = new Map<string, Set<string>>(nodes.map((n) => [n, new Set()]));
    for (const ip of ipOf.values()) expected.get(rankCandidates(ip, nodes)[0]!)!.add(ip);
    // Let the first round (statuses, Events for every Service) finish before measuring a cold start.
    await waitUntil('first announcement', 300_000, () => [...c.speakers].every(([n, p]) => ownedCount(p) >= expected.get(n)!.size));
    const setupSeconds = (Date.now() - t0) / 1000;
    say(`initial announcement done after ${setupSeconds.toFixed(0)} s; cold start of all speakers`);

    // Cold start: every speaker killed, then all started at once.
    await Promise.all([...c.speakers.values()].map((p) => p.stop('SIGKILL')));
    const started = Date.now();
    everyProcess.push(...(await Promise.all(nodes.map((n) => c.startSpeaker(n, false)))));
    const perSpeakerAnnouncedMs: Record<string, number> = {};
    await Promise.all(nodes.map(async (n) => {
      const p = c.speakers.get(n)!;
      perSpeakerAnnouncedMs[n] = (await waitUntil(`${n} announcing its ${expected.get(n)!.size}`, 120_000, () => ownedCount(p) >= expected.get(n)!.size)) - started;
    }));
    const startToAnnouncedMs = Math.max(...Object.values(perSpeakerAnnouncedMs));
    // Until every speaker announced its share, the first ones up hold the others' VIPs (a VIP
    // must be answered) and hand them over as the others arrive: expected, counted apart.
    const fromStart = new Map([...c.speakers.values()].map((p) => [p, 0] as const));
    const coldStartHandovers = ownershipDelta(logsSince(c, fromStart)).lost;
    const coldMark = markLogs(c);
    say(`cold start: ${JSON.stringify(perSpeakerAnnouncedMs)}`);
    // Quiet again (statuses, Events written): then memory and an idle CPU baseline.
    const coldWritesMs = (await writesQuiet(c)) - started;
    say(`cold start writes done after ${coldWritesMs} ms`);
    // Memory twice: right after the cold start's burst (parsed lists and election garbage not yet
    // collected), and at rest, once the speakers have been idle for SETTLE_MS (V8 collects and
    // gives pages back when idle): the figure a node carries for as long as nothing changes.
    const justAfterRssMb: Record<string, number> = {};
    for (const n of nodes) justAfterRssMb[n] = (await memoryMb(c.speakers.get(n)!.pid!)).rss;
    await sleep(SETTLE_MS);
    const rssMb: Record<string, number> = {};
    const peakRssMb: Record<string, number> = {};
    const privateMb: Record<string, number> = {};
    const heapMb: Record<string, { used: number; total: number; external: number }> = {};
    for (const n of nodes) {
      const pid = c.speakers.get(n)!.pid!;
      const m = await memoryMb(pid);
      rssMb[n] = m.rss;
      peakRssMb[n] = m.peak;
      privateMb[n] = await anonymousMb(pid);
      // Where the memory is: the JS heap (both threads' isolates count in RSS, this is the main one's) and off-heap buffers.
      const text = await speakerMetrics(c, n);
      const mb = (name: string): number => Math.round(metricSum(text, `l2lb_speaker_${name}`) / 1e5) / 10;
      heapMb[n] = { used: mb('nodejs_heap_size_used_bytes'), total: mb('nodejs_heap_size_total_bytes'), external: mb('nodejs_external_memory_bytes') };
    }
    const victim = nodes[2]!;
    const survivors = nodes.filter((n) => n !== victim);
    const cpuAt = async (): Promise<Record<string, number>> => Object.fromEntries(await Promise.all(survivors.map(async (n) => [n, await cpuSeconds(c.speakers.get(n)!.pid!)] as const)));
    const IDLE_MS = 5_000;
    const idle0 = await cpuAt();
    await sleep(IDLE_MS);
    const idle1 = await cpuAt();
    const apiText0 = await apiserverMetrics(c);
    const writes0 = apiserverWrites(apiText0);
    // Nothing was faulted since the cold start: every peer death and withdrawal so far is false.
    const falseBeforeFault = logsSince(c, coldMark, ['peerDead']).length + ownershipDelta(logsSince(c, coldMark)).lost;
    const electionsByKind = async (n: string): Promise<Record<string, number>> =>
      Object.fromEntries(metricSeries(await speakerMetrics(c, n), 'l2lb_speaker_elections_total').map((x) => [x.labels['kind'] ?? '', x.value]));
    const elections0 = Object.fromEntries(await Promise.all(survivors.map(async (n) => [n, await electionsByKind(n)] as const)));
    const mark = markLogs(c);
    const loadAtFault = loadavg()[0] ?? Number.NaN;
    const fault = Date.now();
    await Promise.all([c.speakers.get(victim)!.stop('SIGKILL'), c.lab.setLink(c.node(victim).ns, 'down')]);
    const moved = expected.get(victim)!;
    let takeoverAt = 0;
    await waitUntil(`survivors taking over ${moved.size} VIPs`, 60_000, () => {
      if (survivors.reduce((a, n) => a + ownedCount(c.speakers.get(n)!), 0) >= vips) takeoverAt ||= Date.now();
      return takeoverAt > 0;
    }).catch((err: unknown) => {
      say(`takeover incomplete: survivors own ${survivors.map((n) => ownedCount(c.speakers.get(n)!)).join(' + ')} of ${vips}; health lines ${JSON.stringify(health())}`);
      throw err;
    });
    // The counts say "all"; the survivors' metallb_speaker_announced series say which.
    const nowAnnounced = new Set((await Promise.all(survivors.map((n) => announcedByMetrics(c, n)))).flatMap((set) => [...set]));
    const missing = [...moved].filter((ip) => !nowAnnounced.has(ip));
    if (missing.length > 0) throw new Error(`scale: after the takeover ${missing.length} of the victim's VIPs are not announced, e.g. ${missing.slice(0, 3).join(', ')}`);
    const cpuTakeover = await cpuAt();
    const electionsForChange: Record<string, Record<string, number>> = {};
    for (const n of survivors) {
      const now = await electionsByKind(n);
      electionsForChange[n] = Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (elections0[n]?.[k] ?? 0)]));
    }
    // Then the API side of the change (a ServiceL2Status rewrite and an Event per moved Service):
    // done when the API server has seen no write for 3 s.
    const settledAt = await writesQuiet(c);
    const cpuSettled = await cpuAt();
    const apiText1 = await apiserverMetrics(c);
    const writes1 = apiserverWrites(apiText1);
    const idleRate = (n: string): number => (idle1[n]! - idle0[n]!) / IDLE_MS;
    const changeCpuSeconds = Object.fromEntries(survivors.map((n) => [n, cpuTakeover[n]! - idle1[n]! - idleRate(n) * (takeoverAt - fault)]));
    const changeCpuWithWritesSeconds = Object.fromEntries(survivors.map((n) => [n, cpuSettled[n]! - idle1[n]! - idleRate(n) * (settledAt - fault)]));
    const electionSeconds: Record<string, number> = {};
    const membershipElectionSeconds: Record<string, number> = {};
    const electionCpuSeconds: Record<string, number> = {};
    for (const n of survivors) {
      const text = await speakerMetrics(c, n);
      electionSeconds[n] = metricSum(text, 'l2lb_speaker_last_election_seconds');
      electionCpuSeconds[n] = metricSum(text, 'l2lb_speaker_last_election_cpu_seconds');
      membershipElectionSeconds[n] = metricSum(text, 'l2lb_speaker_last_membership_election_seconds');
    }
    // Every speaker process of the run, the killed ones too: a failed group join is logged once.
    const errorEvents = new Set(['announceError', 'joinGroupFailed', 'leaveGroupFailed', 'sendFailed']);
    const announceErrors = everyProcess.reduce((a, p) => a + p.logs.filter((l) => l.event !== undefined && errorEvents.has(l.event)).length, 0);
    const d = diffWrites(writes1, writes0);
    const statusConflicts = conflicts409(apiText1) - conflicts409(apiText0);
    // After the fault only node3 may die and the survivors only gain: anything else is false.
    const falseAfterFault = logsSince(c, mark, ['peerDead']).filter((l) => l['peer'] !== victim).length + ownershipDelta(logsSince(c, mark)).lost;
    // What the speakers said about their own health over the whole run: the likely causes of any false event.
    const healthLines = health();
    const everyLine = runLines(['mainThreadResumed', 'slowElection', 'slowStatusPlan']);
    const slowMs = { wedged: everyLine.filter((l) => l.event === 'mainThreadResumed').map((l) => Number(l['wedgedForMs'])), passes: everyLine.filter((l) => l.event !== 'mainThreadResumed').map((l) => `${l.event} ${String(l['ms'])}`) };
    const statusWriteErrors = [...new Set(runLines(['l2StatusWriteFailed']).map((l) => `${String(l['op'])}: ${String(l['error'])}`))].slice(0, 5);
    return { vips, setupSeconds, startToAnnouncedMs, perSpeakerAnnouncedMs, takeoverMs: takeoverAt - fault, writesSettledMs: settledAt - fault, changeWrites: d.all, changeWritesNoEvents: d.all - d.events, changeWritesByResource: d.byResource, statusConflicts, changeCpuSeconds, changeCpuWithWritesSeconds, electionSeconds, electionCpuSeconds, membershipElectionSeconds, electionsForChange, loadAtFault, rssMb, justAfterRssMb, privateMb, peakRssMb, announceErrors, falseBeforeFault, falseAfterFault, coldStartHandovers, coldWritesMs, healthLines, heapMb, slowMs, statusWriteErrors };
  } finally {
    await c.stop();
  }
}
