// The heartbeat shell: UDP sockets, one timer and metrics around a membership engine (engine.ts).
// Everything that decides lives in the engine; this file only moves datagrams and time.
//  - Time is the wall clock read once at process start plus performance.now() (monotonic from
//    there): wall-clock steps never kill or revive a peer, and speakers' clocks agree closely
//    enough that their heartbeat rounds fall together (engines align rounds to the interval).
//  - One timer, set to when the engine next has something to do (engine.nextTimerAt): a heartbeat
//    round every interval, or a neighbour's silence reaching deadAfter. An idle speaker wakes about
//    once per interval, not every tick, and a silence is judged when it ends, not up to a tick later.
//  - One socket per address family (udp4, udp6 v6-only); a family the host lacks is skipped.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import type { Logger } from '../../shared/log.js';
import { createEngine, type WireVersion } from './create-engine.js';
import type { EngineStep, MembershipEngine, Outgoing } from './engine.js';
import type { ExpectedPeer, MembershipChange } from './membership.js';
import type { MembershipMetricsSink } from './metrics.js';
import type { RejectReason } from './protocol.js';

export interface HeartbeatServiceOptions {
  readonly self: string;
  /** Shared key(s) from the Secret; the first signs, any verifies. */
  readonly keys: readonly Uint8Array[];
  /** UDP port to bind (0: any, for tests). Peers are sent to at their own listed port. */
  readonly port: number;
  /** Addresses to bind; default both wildcards. An unsupported family is skipped with a warning. */
  readonly bindAddresses?: readonly string[];
  readonly intervalMs?: number;
  readonly deadAfterMs?: number;
  readonly tickMs?: number;
  readonly stallThresholdMs?: number;
  readonly stallGraceMs?: number;
  readonly verifySourceAddress?: boolean;
  /** Where the service's observations go (membershipMetrics(registry) on the main thread). */
  readonly metrics: MembershipMetricsSink;
  /**
   * While this returns false, no `alive` heartbeats go out: the part of the speaker that answers
   * for VIPs is wedged, and peers should take its VIPs after deadAfter. Default: always true.
   */
  readonly canServe?: () => boolean;
  readonly logger?: Logger;
  readonly bootId?: string;
  /** Monotonic milliseconds; default performance.timeOrigin + performance.now(). */
  readonly now?: () => number;
  /** Wire protocol; default DEFAULT_WIRE_VERSION. */
  readonly wireVersion?: WireVersion;
}

export interface HeartbeatServiceEvents {
  change: [MembershipChange];
  /** settled() changed (it turns true with time too, so it is checked after every engine call). */
  settled: [boolean];
}

/** Heartbeat interval when none is given: with the default 500 ms dead-after, five missed in a row mean dead. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 100;
export const DEFAULT_WIRE_VERSION: WireVersion = 'v2';
const LEAVING_COPIES = 3;
const LEAVING_SPACING_MS = 5;
const REJECT_LOG_EVERY_MS = 10_000;
const ignoreSendResult = (): void => {};

export class HeartbeatService extends EventEmitter<HeartbeatServiceEvents> {
  readonly engine: MembershipEngine;
  private readonly now: () => number;
  private readonly tickMs: number;
  private readonly metrics: MembershipMetricsSink;
  private readonly canServe: () => boolean;
  private readonly log: Logger | undefined;
  private sockets: { v4?: Socket; v6?: Socket } = {};
  private timer: NodeJS.Timeout | undefined;
  private readonly maxWaitMs: number;
  private wasSettled = false;
  private seenStalls = 0;
  private stopped = false;
  private readonly lastRejectLog = new Map<RejectReason, number>();

  private constructor(opts: HeartbeatServiceOptions) {
    super();
    this.now = opts.now ?? (() => performance.timeOrigin + performance.now());
    const intervalMs = opts.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.tickMs = opts.tickMs ?? Math.max(1, Math.min(10, intervalMs / 4));
    this.maxWaitMs = intervalMs;
    this.log = opts.logger?.child({ component: 'membership' });
    this.metrics = opts.metrics;
    this.canServe = opts.canServe ?? (() => true);
    this.engine = createEngine(
      opts.wireVersion ?? DEFAULT_WIRE_VERSION,
      {
        self: opts.self,
        keys: opts.keys,
        intervalMs,
        tickMs: this.tickMs,
        ...(opts.bootId === undefined ? {} : { bootId: opts.bootId }),
        ...(opts.deadAfterMs === undefined ? {} : { deadAfterMs: opts.deadAfterMs }),
        ...(opts.stallThresholdMs === undefined ? {} : { stallThresholdMs: opts.stallThresholdMs }),
        ...(opts.stallGraceMs === undefined ? {} : { stallGraceMs: opts.stallGraceMs }),
        ...(opts.verifySourceAddress === undefined ? {} : { verifySourceAddress: opts.verifySourceAddress }),
      },
      this.now(),
    );
  }

  /** Binds the sockets and starts the timer. Rejects if no address could be bound. */
  static async start(opts: HeartbeatServiceOptions): Promise<HeartbeatService> {
    const svc = new HeartbeatService(opts);
    await svc.bind(opts.bindAddresses ?? ['0.0.0.0', '::'], opts.port);
    svc.onTimer();
    return svc;
  }

  /** The speakers Kubernetes lists (speaker Pods: node name, host IP, heartbeat port). */
  setPeers(peers: readonly ExpectedPeer[]): void {
    this.apply(this.engine.setPeers(peers, this.now()));
    // The peer list starts windows (the first deadAfter) the timer must end on time.
    this.schedule();
  }

  /** Alive speakers, this node included while others hear it. */
  alive(): ReadonlySet<string> {
    return this.engine.alive();
  }

  /** False until the alive set is meaningful; do not announce before (see Membership.settled). */
  settled(): boolean {
    return this.engine.settled(this.now());
  }

  /** Bound ports by family (for tests binding port 0). */
  ports(): { v4?: number; v6?: number } {
    const out: { v4?: number; v6?: number } = {};
    if (this.sockets.v4) out.v4 = this.sockets.v4.address().port;
    if (this.sockets.v6) out.v6 = this.sockets.v6.address().port;
    return out;
  }

  /**
   * Stops heartbeating. With leaving, peers are told first (a few copies, in case one is lost),
   * so they move our VIPs at once instead of after deadAfter.
   */
  async stop(opts: { leaving: boolean }): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    if (opts.leaving) {
      const leaving = this.engine.leave(this.now());
      for (let i = 0; i < LEAVING_COPIES; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, LEAVING_SPACING_MS));
        await Promise.all(leaving.map((d) => this.send(d)));
      }
    }
    await Promise.all(Object.values(this.sockets).map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.sockets = {};
  }

  private async bind(addresses: readonly string[], port: number): Promise<void> {
    for (const address of addresses) {
      const family = isIPv6(address) ? 'v6' : 'v4';
      const socket = createSocket(family === 'v6' ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(port, address, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        socket.close();
        this.log?.warn('heartbeatBindFailed', 'cannot listen for heartbeats on this address; family skipped', { address, port, error: err as Error });
        continue;
      }
      socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
      socket.on('error', (err) => this.log?.error('heartbeatSocketError', 'heartbeat socket error', { address, error: err }));
      this.sockets[family] = socket;
    }
    if (!this.sockets.v4 && !this.sockets.v6) throw new Error(`cannot bind heartbeat port ${port} on ${addresses.join(', ')}`);
  }

  private onTimer(): void {
    this.apply(this.engine.timer(this.now()));
    this.schedule();
  }

  /**
   * The next timer call, when the engine next has something due; never later than an interval
   * (a guard: engines already say so). A datagram received meanwhile only moves deadlines later
   * (a neighbour heard), so the timer set here is never late; an early one is a no-op.
   */
  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const now = this.now();
    const waitMs = Math.min(this.maxWaitMs, Math.max(1, Math.ceil(this.engine.nextTimerAt(now) - now)));
    this.timer = setTimeout(() => this.onTimer(), waitMs);
    this.timer.unref();
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.stopped) return;
    const now = this.now();
    const step = this.engine.receive(msg, { host: rinfo.address, port: rinfo.port }, now);
    this.apply(step);
    if (step.rejected === undefined) return;
    const reason = step.rejected;
    this.metrics.rejected(reason);
    // One line per reason per 10 s: a flood of forged packets must not become a flood of logs.
    if (now - (this.lastRejectLog.get(reason) ?? Number.NEGATIVE_INFINITY) >= REJECT_LOG_EVERY_MS) {
      this.lastRejectLog.set(reason, now);
      this.log?.warn('heartbeatRejected', 'heartbeat dropped', { reason, from: `${rinfo.address}:${rinfo.port}` });
    }
  }

  /** Publishes changes and sends what the engine wants sent (nothing while we cannot serve). */
  private apply(step: EngineStep): void {
    if (this.stopped) return;
    const stalls = this.engine.stalls();
    if (stalls !== this.seenStalls) {
      this.metrics.stalls(stalls - this.seenStalls);
      this.log?.warn('eventLoopStall', 'this speaker did not run for a while; peers get a grace period');
    }
    this.seenStalls = stalls;
    for (const c of step.changes) {
      if (!c.alive && c.cause === 'timeout' && c.silentForMs !== undefined) this.metrics.detected(c.silentForMs / 1000);
      this.log?.info(c.alive ? 'peerAlive' : 'peerDead', c.alive ? 'speaker is alive' : 'speaker is dead', { ...c });
      this.emit('change', c);
    }
    if (step.changes.length > 0) this.metrics.peersAlive([...this.engine.alive()].filter((n) => n !== this.engine.self).length);
    if (step.send.length > 0 && this.canServe()) for (const d of step.send) this.sendAndForget(d);
    const settled = this.engine.settled(this.now());
    if (settled !== this.wasSettled) {
      this.wasSettled = settled;
      this.emit('settled', settled);
    }
  }

  /** The socket of the destination's address family (none when the host lacks that family). */
  private socketFor(d: Outgoing): Socket | undefined {
    return isIPv6(d.to.host) ? this.sockets.v6 : this.sockets.v4;
  }

  /**
   * A failed send is a lost heartbeat, which the protocol tolerates by design. The callback is
   * there so that send errors do not become socket 'error' events (logged as errors).
   */
  private sendAndForget(d: Outgoing): void {
    this.socketFor(d)?.send(d.bytes, d.to.port, d.to.host, ignoreSendResult);
  }

  /** As sendAndForget, resolving once the datagram went out (or failed). */
  private send(d: Outgoing): Promise<void> {
    const socket = this.socketFor(d);
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.send(d.bytes, d.to.port, d.to.host, () => resolve()));
  }
}
