// HeartbeatService on its own thread, seen from the main thread. Same surface as HeartbeatService
// (setPeers, alive, settled, change events, stop), but alive() and settled() read the latest state
// the heartbeat thread posted, so they never block. Why a thread at all: thread-worker.ts.
//
// Liveness of the main thread: it pings the heartbeat thread every interval; if the pings stop for
// mainStallLimitMs (a wedged or starved main thread, which also answers ARP/NDP), the heartbeat
// thread stops sending, and peers take this node's VIPs. Shorter pauses (GC, bulk work) no longer
// look like a death to peers at all.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../shared/log.js';
import type { ExpectedPeer, MembershipChange } from './membership.js';
import type { MembershipMetricsSink } from './metrics.js';
import type { FromHeartbeatThread, HeartbeatThreadInit, MetricsBatch, ToHeartbeatThread } from './thread-messages.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './udp.js';

export interface HeartbeatThreadOptions extends Omit<HeartbeatThreadInit, 'pingIntervalMs' | 'mainStallLimitMs'> {
  readonly metrics: MembershipMetricsSink;
  readonly logger: Logger;
  /**
   * Default 5 s. Well above the longest healthy pause (an election over 5,000 VIPs took up to
   * 1.5 s on a loaded 2-core machine): a loaded speaker that stopped heartbeating would have its
   * VIPs moved to peers, loading them more. New ARP/NDP requests for this node's VIPs wait that
   * long; traffic of clients that already resolved them does not. Watch
   * l2lb_speaker_main_thread_stall_seconds for how close a node comes.
   */
  readonly mainStallLimitMs?: number;
  /** The compiled worker module; default thread-worker.js beside this file. */
  readonly workerUrl?: URL;
}

export interface HeartbeatThreadEvents {
  change: [MembershipChange];
  /** settled() turned true: membership has heard its peers (time enough to trust "alone"). */
  settled: [];
  /** The thread died (a bug): membership is gone, the program must not go on announcing. */
  failed: [Error];
}

export const DEFAULT_MAIN_STALL_LIMIT_MS = 5_000;
const STOP_TIMEOUT_MS = 2_000;

export class HeartbeatThread extends EventEmitter<HeartbeatThreadEvents> {
  private aliveSet: ReadonlySet<string> = new Set();
  private isSettled = false;
  private boundPorts: { v4?: number; v6?: number } = {};
  private readonly pinger: NodeJS.Timeout;
  private stopping = false;

  private constructor(
    private readonly worker: Worker,
    private readonly opts: HeartbeatThreadOptions,
    pingIntervalMs: number,
  ) {
    super();
    this.pinger = setInterval(() => this.send({ t: 'ping' }), pingIntervalMs);
    this.pinger.unref();
  }

  /** Starts the thread and resolves once its sockets are bound; rejects like HeartbeatService.start. */
  static async start(opts: HeartbeatThreadOptions): Promise<HeartbeatThread> {
    const pingIntervalMs = opts.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    // Only what can cross threads (no sink, logger or URL); unset options stay undefined, which
    // HeartbeatService treats as "use the default".
    const init: HeartbeatThreadInit = {
      self: opts.self,
      keys: opts.keys,
      port: opts.port,
      bindAddresses: opts.bindAddresses,
      intervalMs: opts.intervalMs,
      deadAfterMs: opts.deadAfterMs,
      verifySourceAddress: opts.verifySourceAddress,
      bootId: opts.bootId,
      pingIntervalMs,
      mainStallLimitMs: opts.mainStallLimitMs ?? DEFAULT_MAIN_STALL_LIMIT_MS,
    };
    const worker = new Worker(opts.workerUrl ?? new URL('./thread-worker.js', import.meta.url), {
      workerData: init,
      // Its own small heap: the thread keeps a few peers' state, nothing that grows with VIPs.
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    const thread = new HeartbeatThread(worker, opts, pingIntervalMs);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`heartbeat thread exited with code ${code} before starting`));
      worker.once('exit', onExit);
      worker.once('error', reject);
      worker.on('message', (m: FromHeartbeatThread) => {
        if (m.t === 'started') {
          worker.off('exit', onExit);
          worker.off('error', reject);
          thread.boundPorts = m.ports;
          worker.on('error', (err) => thread.fail(err));
          worker.on('exit', (code) => {
            if (!thread.stopping) thread.fail(new Error(`heartbeat thread exited with code ${code}`));
          });
          resolve();
        } else if (m.t === 'startFailed') reject(new Error(m.error));
        thread.onMessage(m);
      });
    }).catch(async (err: unknown) => {
      clearInterval(thread.pinger);
      await worker.terminate();
      throw err;
    });
    return thread;
  }

  setPeers(peers: readonly ExpectedPeer[]): void {
    this.send({ t: 'peers', peers });
  }

  alive(): ReadonlySet<string> {
    return this.aliveSet;
  }

  settled(): boolean {
    return this.isSettled;
  }

  ports(): { v4?: number; v6?: number } {
    return this.boundPorts;
  }

  /** As HeartbeatService.stop; resolves when the thread has sent its last datagram and ended. */
  async stop(opts: { leaving: boolean }): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.pinger);
    const ended = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.send({ t: 'stop', leaving: opts.leaving });
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
    if ((await Promise.race([ended, timer])) === 'timeout') {
      this.opts.logger.warn('heartbeatThreadStopTimeout', 'the heartbeat thread did not stop in time; terminating it', { timeoutMs: STOP_TIMEOUT_MS });
      await this.worker.terminate();
    }
  }

  private send(m: ToHeartbeatThread): void {
    if (this.stopping && m.t !== 'stop') return;
    this.worker.postMessage(m);
  }

  private fail(err: Error): void {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.pinger);
    this.aliveSet = new Set();
    this.emit('failed', err);
  }

  private onMessage(m: FromHeartbeatThread): void {
    switch (m.t) {
      case 'state': {
        const wasSettled = this.isSettled;
        this.aliveSet = new Set(m.alive);
        this.isSettled = m.settled;
        for (const c of m.changes) this.emit('change', c);
        if (!wasSettled && m.settled) this.emit('settled');
        return;
      }
      case 'metrics':
        applyMetrics(this.opts.metrics, m.batch);
        return;
      case 'log':
        this.opts.logger[m.level](m.event, m.msg, m.fields);
        return;
      default:
        return;
    }
  }
}

function applyMetrics(sink: MembershipMetricsSink, b: MetricsBatch): void {
  if (b.peersAlive !== undefined) sink.peersAlive(b.peersAlive);
  for (const s of b.detectedSeconds) sink.detected(s);
  for (const [reason, n] of b.rejected) sink.rejected(reason, n);
  if (b.stalls > 0) sink.stalls(b.stalls);
  for (const s of b.mainStallSeconds) sink.mainThreadStall(s);
}
