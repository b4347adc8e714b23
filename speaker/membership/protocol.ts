// The heartbeat protocol without sockets or timers: numbers and signs outgoing heartbeats, and
// authenticates, decodes and feeds incoming ones to the Membership, counting every rejection by
// reason. The UDP shell and the lossy-network simulation both drive this same object, so the
// simulation tests the real codec and the real rules.
import { randomBytes } from 'node:crypto';
import { decodeHeartbeat, encodeHeartbeat, MAX_VIEW_ENTRIES, type DecodeRejection, type HeartbeatType } from './codec.js';
import { Membership, type ExpectedPeer, type MembershipChange, type MembershipOptions, type PeerAddress, type ReceiveRejection } from './membership.js';

export type RejectReason = DecodeRejection | ReceiveRejection;

export type IngestResult = { ok: true; changes: MembershipChange[] } | { ok: false; reason: RejectReason };

export interface Datagram {
  readonly to: ExpectedPeer;
  readonly bytes: Buffer;
}

export interface ProtocolOptions extends Omit<MembershipOptions, 'bootId'> {
  /** Shared key(s); the first signs, any verifies (rotation). */
  readonly keys: readonly Uint8Array[];
  /** Defaults to 16 random bytes: a new life for every process start. */
  readonly bootId?: string;
  /**
   * When set, we list ourselves in our own view with the age this returns: version 1 receivers
   * skip such an entry, version 2 speakers read it as "this sender speaks version 2 too, and saw
   * a version 1 speaker that long ago" (bilingual.ts).
   */
  readonly bilingualMark?: (now: number) => number;
}

export const newBootId = (): string => randomBytes(16).toString('hex');

export class HeartbeatProtocol {
  readonly membership: Membership;
  private readonly keys: readonly Uint8Array[];
  private seq = 0n;
  private readonly bilingualMark: ((now: number) => number) | undefined;
  private readonly rejected = new Map<RejectReason, number>();

  constructor(opts: ProtocolOptions, now: number) {
    if (opts.keys.length === 0) throw new Error('heartbeat protocol needs at least one key');
    this.keys = opts.keys;
    this.bilingualMark = opts.bilingualMark;
    this.membership = new Membership({ ...opts, bootId: opts.bootId ?? newBootId() }, now);
  }

  /**
   * One heartbeat per expected peer, all with the same sequence number (a peer sees each only
   * once). Encoding errors cannot happen for names Kubernetes accepts; such a peer is skipped.
   */
  outgoing(now: number, type: HeartbeatType = 'alive'): Datagram[] {
    const m = this.membership;
    // Past the codec's bound, the freshest entries matter most; sending nothing would kill us.
    const view = type === 'alive' ? m.view(now).sort((x, y) => x.ageMs - y.ageMs).slice(0, MAX_VIEW_ENTRIES - 1) : [];
    if (this.bilingualMark && type === 'alive') view.push({ node: m.self, bootId: m.bootId, ageMs: this.bilingualMark(now) });
    const enc = encodeHeartbeat({ type, node: m.self, bootId: m.bootId, seq: this.seq++, view }, this.keys[0] as Uint8Array);
    if (!enc.ok) return [];
    return m.peerAddresses().map((to) => ({ to, bytes: enc.bytes }));
  }

  incoming(bytes: Uint8Array, from: PeerAddress, now: number): IngestResult {
    const d = decodeHeartbeat(bytes, this.keys);
    if (!d.ok) return this.reject(d.reason);
    const r = this.membership.receive(d.heartbeat, from, now);
    return r.ok ? r : this.reject(r.reason);
  }

  /** Rejections so far, by reason (forged packets show up as bad-mac). */
  rejections(): ReadonlyMap<RejectReason, number> {
    return this.rejected;
  }

  private reject(reason: RejectReason): IngestResult {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
    return { ok: false, reason };
  }
}
