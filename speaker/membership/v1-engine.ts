// Wire version 1 as an engine: every node heartbeats every node each interval, each heartbeat
// carrying the sender's view (membership.ts has the rules). Kept for rolling upgrades (a version 2
// speaker speaks it while version 1 speakers remain, see bilingual.ts) and as the baseline of the
// membership-scale benchmark. Its cost grows as N^3 per node: fine for a handful of nodes only.
import type { HeartbeatType } from './codec.js';
import { NO_STEP, type EngineStep, type MembershipEngine, type Outgoing } from './engine.js';
import type { ExpectedPeer, MembershipChange, PeerAddress } from './membership.js';
import { HeartbeatProtocol, type ProtocolOptions } from './protocol.js';

export interface V1EngineOptions extends ProtocolOptions {
  readonly intervalMs: number;
  readonly tickMs: number;
}

export class V1Engine implements MembershipEngine {
  readonly protocol: HeartbeatProtocol;
  readonly self: string;
  private readonly intervalMs: number;
  private readonly tickMs: number;
  private lastRoundAt = Number.NEGATIVE_INFINITY;
  private seenStalls = 0;

  constructor(opts: V1EngineOptions, now: number) {
    this.protocol = new HeartbeatProtocol(opts, now);
    this.self = opts.self;
    this.intervalMs = opts.intervalMs;
    this.tickMs = opts.tickMs;
  }

  setPeers(peers: readonly ExpectedPeer[], now: number): EngineStep {
    const m = this.protocol.membership;
    const known = new Set(m.peerAddresses().map((p) => p.name));
    const changes = m.expected(peers, now);
    // Introduce ourselves to newcomers now rather than at the next interval.
    const newcomer = peers.some((p) => p.name !== m.self && !known.has(p.name));
    return { changes, send: newcomer || changes.length > 0 ? this.round(now) : [] };
  }

  receive(bytes: Uint8Array, from: PeerAddress, now: number): EngineStep {
    const r = this.protocol.incoming(bytes, from, now);
    if (!r.ok) return { ...NO_STEP, rejected: r.reason };
    return this.after(r.changes, now);
  }

  timer(now: number): EngineStep {
    if (now - this.lastRoundAt >= this.intervalMs) {
      const changes = this.protocol.membership.tick(now);
      this.seenStalls = this.protocol.membership.stalls();
      return { changes, send: this.round(now) };
    }
    return this.after(this.protocol.membership.tick(now), now);
  }

  /**
   * Version 1 judges every peer's silence on a tick (membership.ts: judging them all is its cost),
   * so it keeps the tick; its rounds fall between ticks.
   */
  nextTimerAt(now: number): number {
    return Math.min(now + this.tickMs, this.lastRoundAt + this.intervalMs);
  }

  leave(now: number): Outgoing[] {
    return this.protocol.outgoing(now, 'leaving');
  }

  alive(): ReadonlySet<string> {
    return this.protocol.membership.alive();
  }

  settled(now: number): boolean {
    return this.protocol.membership.settled(now);
  }

  stalls(): number {
    return this.protocol.membership.stalls();
  }

  /** After a change or a stall, a round at once (at most every tickMs): views converge in one delay. */
  private after(changes: MembershipChange[], now: number): EngineStep {
    const stalls = this.protocol.membership.stalls();
    const stalled = stalls !== this.seenStalls;
    this.seenStalls = stalls;
    const burst = (changes.length > 0 || stalled) && now - this.lastRoundAt >= this.tickMs;
    return { changes, send: burst ? this.round(now) : [] };
  }

  private round(now: number, type: HeartbeatType = 'alive'): Outgoing[] {
    this.lastRoundAt = now;
    return this.protocol.outgoing(now, type);
  }
}
