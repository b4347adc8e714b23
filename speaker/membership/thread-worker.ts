// The heartbeat thread's entry point. It runs HeartbeatService on its own event loop, so that
// sending and receiving heartbeats never waits behind the main thread's bulk work (an election over
// thousands of VIPs, thousands of status writes, a major GC of a large heap): on one event loop,
// those pauses made peers declare a healthy speaker dead, which moved thousands of VIPs, which
// caused more such work (seen with 5,000 VIPs). Whatever it observes goes to the main thread as
// messages (thread-messages.ts); it imports nothing that would bloat a second V8 isolate.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { jsonSafe, type LogFields, type Logger, type LogLevel } from '../../shared/log.js';
import type { MembershipChange } from './membership.js';
import type { MembershipMetricsSink } from './metrics.js';
import type { RejectReason } from './protocol.js';
import type { FromHeartbeatThread, HeartbeatThreadInit, ToHeartbeatThread } from './thread-messages.js';
import { HeartbeatService } from './udp.js';

const METRICS_FLUSH_MS = 250;
/**
 * The scheduling priority this thread asks for (nice, Linux: per thread). Its work is small and
 * bounded (its neighbours' heartbeats, ~15 ms of CPU per second), but on a saturated node a thread
 * at the default priority waits for a core long enough to miss its peers' deadAfter, and they take
 * its VIPs: a busy node is not a dead one. Needs CAP_SYS_NICE; without it the thread keeps the
 * default priority.
 */
const HEARTBEAT_THREAD_NICE = -10;
/** Main-thread pauses from this long are observed in l2lb_speaker_main_thread_stall_seconds. */
const MAIN_STALL_OBSERVE_MS = 250;

const port = parentPort;
if (!port) throw new Error('thread-worker.ts runs only as a worker thread');
const init = workerData as HeartbeatThreadInit;
const post = (m: FromHeartbeatThread): void => port.postMessage(m);

function postingLogger(base: LogFields): Logger {
  const emit = (level: LogLevel) => (event: string, msg: string, fields: LogFields = {}) =>
    post({ t: 'log', level, event, msg, fields: jsonSafe({ ...base, ...fields }) });
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (f) => postingLogger({ ...base, ...f }) };
}

/** Batches observations: a flood of forged datagrams must not become a flood of messages. */
class BatchingSink implements MembershipMetricsSink {
  private alive: number | undefined;
  private readonly detectedSeconds: number[] = [];
  private readonly rejections = new Map<RejectReason, number>();
  private stallCount = 0;
  private readonly mainStallSeconds: number[] = [];
  private dirty = false;
  peersAlive(count: number): void {
    if (this.alive !== count) this.mark(() => (this.alive = count));
  }
  detected(seconds: number): void {
    this.mark(() => this.detectedSeconds.push(seconds));
  }
  rejected(reason: RejectReason, count = 1): void {
    this.mark(() => this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + count));
  }
  stalls(count: number): void {
    this.mark(() => (this.stallCount += count));
  }
  mainThreadStall(seconds: number): void {
    this.mark(() => this.mainStallSeconds.push(seconds));
  }
  flush(): void {
    if (!this.dirty) return;
    post({ t: 'metrics', batch: { ...(this.alive === undefined ? {} : { peersAlive: this.alive }), detectedSeconds: [...this.detectedSeconds], rejected: [...this.rejections], stalls: this.stallCount, mainStallSeconds: [...this.mainStallSeconds] } });
    this.alive = undefined;
    this.detectedSeconds.length = 0;
    this.rejections.clear();
    this.stallCount = 0;
    this.mainStallSeconds.length = 0;
    this.dirty = false;
  }
  /** A flush METRICS_FLUSH_MS after the first observation since the last one: no timer at rest. */
  private mark(update: () => void): void {
    update();
    if (this.dirty) return;
    this.dirty = true;
    setTimeout(() => this.flush(), METRICS_FLUSH_MS).unref();
  }
}

const sink = new BatchingSink();
let lastPingAt = performance.now();
let wedgedSince: number | undefined;
const log = postingLogger({ component: 'membership' });

/** False once the main thread (the one answering ARP/NDP) has not pinged for mainStallLimitMs. */
function mainThreadResponsive(): boolean {
  const now = performance.now();
  const silentMs = now - lastPingAt;
  if (silentMs <= init.mainStallLimitMs) return true;
  if (wedgedSince === undefined) {
    wedgedSince = now;
    // Reaches the log once the main thread runs again; the heartbeat gap tells peers at once.
    log.error('mainThreadWedged', 'the speaker\'s main thread has not run; no heartbeats until it does, so peers take its VIPs', { silentForMs: Math.round(silentMs) });
  }
  return false;
}

try {
  setPriority(HEARTBEAT_THREAD_NICE);
  log.info('heartbeatPriority', 'the heartbeat thread runs at a raised priority', { nice: HEARTBEAT_THREAD_NICE });
} catch (err) {
  log.info('heartbeatPriority', 'the heartbeat thread keeps the default priority (raising it needs CAP_SYS_NICE)', { error: err instanceof Error ? err.message : String(err) });
}

let svc: HeartbeatService;
try {
  svc = await HeartbeatService.start({ ...init, metrics: sink, logger: log, canServe: mainThreadResponsive });
} catch (err) {
  post({ t: 'startFailed', error: err instanceof Error ? err.message : String(err) });
  port.close();
  process.exit(0);
}

let settled = svc.settled();
const publish = (changes: readonly MembershipChange[]): void => {
  settled = svc.settled();
  post({ t: 'state', changes, alive: [...svc.alive()], settled });
};
svc.on('change', (c) => publish([c]));
// settled() turns true with time too; the service checks it after every engine call (no polling:
// each timer wake-up of this thread costs CPU on every node, all the time).
svc.on('settled', () => {
  if (svc.settled() !== settled) publish([]);
});

port.on('message', (m: ToHeartbeatThread) => {
  switch (m.t) {
    case 'ping': {
      const now = performance.now();
      // The gap between pings, less the interval they are sent at: how long the main thread did not run.
      const pausedMs = now - lastPingAt - init.pingIntervalMs;
      if (pausedMs >= MAIN_STALL_OBSERVE_MS) sink.mainThreadStall(pausedMs / 1000);
      lastPingAt = now;
      if (wedgedSince !== undefined) {
        log.warn('mainThreadResumed', 'the speaker\'s main thread runs again; heartbeats resume', { wedgedForMs: Math.round(lastPingAt - wedgedSince) });
        wedgedSince = undefined;
      }
      return;
    }
    case 'peers':
      svc.setPeers(m.peers);
      return;
    case 'stop':
      void svc.stop({ leaving: m.leaving }).then(() => {
        sink.flush();
        post({ t: 'stopped' });
        port.close();
      });
      return;
  }
});
post({ t: 'started', ports: svc.ports() });
publish([]);
