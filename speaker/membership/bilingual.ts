// Rolling upgrades from wire version 1: a version 2 speaker speaks both while version 1 speakers
// remain, and decides by version 1's rules until they are gone, so a mixed cluster never has two
// rule sets deciding at once (which could give two answerers for a VIP).
//  - Version 2 is spoken always (to the ring neighbours), so its state is warm when it takes over.
//  - A version 1 datagram whose view does not list its own sender comes from a version 1 speaker
//    (version 2 speakers list themselves: version 1 receivers skip such an entry). From then on,
//    and until COMPAT_HOLD_MS after the last one, this speaker is in version 1 mode: it also sends
//    version 1 heartbeats to every peer, and alive() / settled() / changes come from version 1.
//  - The entry a version 2 speaker lists itself with carries, as its age, how long ago it last
//    heard a version 1 speaker; a receiver takes that sighting as its own. So a version 2 speaker
//    that starts while others still decide by version 1 joins them (and version 1 counts it),
//    and every speaker leaves version 1 mode at the same moment, COMPAT_HOLD_MS after the last
//    genuine version 1 datagram (a sighting is passed on, never renewed).
//  - Version 1 speakers drop the version 2 datagrams they receive (counted as bad-version, logged
//    once per 10 s): harmless.
//  - When the last version 1 speaker is gone (replaced), every version 2 speaker switches to
//    version 2 rules COMPAT_HOLD_MS after the last version 1 datagram it received, all within a
//    few milliseconds of each other; in a healthy cluster both rule sets give the same alive set
//    at that moment, so nothing moves.
// Version 1 costs N^3 per node: a mixed cluster runs at version 1's scale (tens of nodes).
import { decodeHeartbeat } from './codec.js';
import type { EngineOptions } from './create-engine.js';
import { NO_STEP, type EngineStep, type MembershipEngine, type Outgoing } from './engine.js';
import type { ExpectedPeer, MembershipChange, PeerAddress } from './membership.js';
import { newBootId } from './protocol.js';
import { V1Engine } from './v1-engine.js';
import { wireVersionOf } from './v2/codec.js';
import { V2Engine } from './v2/engine.js';

export const COMPAT_HOLD_MS = 5_000;
/** Ages beyond the hold all mean "long ago". */
const MAX_MARK_MS = 10 * COMPAT_HOLD_MS;

export class BilingualEngine implements MembershipEngine {
  readonly self: string;
  readonly v1: V1Engine;
  readonly v2: V2Engine;
  private readonly keys: readonly Uint8Array[];
  private readonly startedAt: number;
  private readonly intervalMs: number;
  private lastV1OnlyAt = Number.NEGATIVE_INFINITY;
  private mode: 'v1' | 'v2' = 'v2';

  constructor(opts: EngineOptions, now: number) {
    const bootId = opts.bootId ?? newBootId();
    this.self = opts.self;
    this.keys = opts.keys;
    this.startedAt = now;
    this.intervalMs = opts.intervalMs;
    this.v1 = new V1Engine({ ...opts, bootId, bilingualMark: (t) => Math.max(0, Math.min(t - this.lastV1OnlyAt, MAX_MARK_MS)) }, now);
    this.v2 = new V2Engine({ ...opts, bootId }, now);
  }

  /** Which rules decide now. */
  speaking(): 'v1' | 'v2' {
    return this.mode;
  }

  neighbours(): readonly string[] {
    return this.v2.neighbours();
  }

  setPeers(peers: readonly ExpectedPeer[], now: number): EngineStep {
    const a = this.v1.setPeers(peers, now);
    const b = this.v2.setPeers(peers, now);
    return this.merge(a, b, now);
  }

  receive(bytes: Uint8Array, from: PeerAddress, now: number): EngineStep {
    if (wireVersionOf(bytes) === 1) {
      const step = this.v1.receive(bytes, from, now);
      if (step.rejected !== undefined) return step;
      const d = decodeHeartbeat(bytes, this.keys);
      if (d.ok && d.heartbeat.type === 'alive') {
        const mark = d.heartbeat.view.find((e) => e.node === d.heartbeat.node);
        const sighting = mark === undefined ? now : now - mark.ageMs;
        if (sighting > this.lastV1OnlyAt) this.lastV1OnlyAt = sighting;
      }
      return this.merge(step, NO_STEP, now);
    }
    return this.merge(NO_STEP, this.v2.receive(bytes, from, now), now);
  }

  timer(now: number): EngineStep {
    // Version 1's timer walks every peer: only worth it while version 1 decides.
    return this.merge(this.mode === 'v1' ? this.v1.timer(now) : NO_STEP, this.v2.timer(now), now);
  }

  nextTimerAt(now: number): number {
    const next = this.mode === 'v1' ? Math.min(this.v1.nextTimerAt(now), this.v2.nextTimerAt(now)) : this.v2.nextTimerAt(now);
    // settled() waits this long after the start (below), whatever the rules.
    const settleAt = this.startedAt + 2 * this.intervalMs;
    return settleAt > now ? Math.min(next, settleAt) : next;
  }

  leave(now: number): Outgoing[] {
    return this.mode === 'v1' ? [...this.v1.leave(now), ...this.v2.leave(now)] : this.v2.leave(now);
  }

  alive(): ReadonlySet<string> {
    return this.mode === 'v1' ? this.v1.alive() : this.v2.alive();
  }

  settled(now: number): boolean {
    // Long enough to have heard a version 1 peer, which heartbeats every interval.
    if (now - this.startedAt < 2 * this.intervalMs) return false;
    return this.mode === 'v1' ? this.v1.settled(now) : this.v2.settled(now);
  }

  stalls(): number {
    return this.v2.stalls();
  }

  /** Sends of both (version 1's only in version 1 mode); changes of the rules that decide. */
  private merge(a: EngineStep, b: EngineStep, now: number): EngineStep {
    const wanted: 'v1' | 'v2' = now - this.lastV1OnlyAt <= COMPAT_HOLD_MS ? 'v1' : 'v2';
    let changes: readonly MembershipChange[] = this.mode === 'v1' ? a.changes : b.changes;
    if (wanted !== this.mode) {
      const before = this.alive();
      this.mode = wanted;
      changes = diff(before, this.alive(), now);
    }
    const send = this.mode === 'v1' ? [...a.send, ...b.send] : b.send;
    const rejected = a.rejected ?? b.rejected;
    return rejected === undefined ? { changes, send } : { changes, send, rejected };
  }
}

function diff(before: ReadonlySet<string>, after: ReadonlySet<string>, now: number): MembershipChange[] {
  const out: MembershipChange[] = [];
  for (const n of before) if (!after.has(n)) out.push({ peer: n, alive: false, at: now, cause: 'timeout' });
  for (const n of after) if (!before.has(n)) out.push({ peer: n, alive: true, at: now, cause: 'heard' });
  return out;
}
