// Who is alive, decided from heartbeats: a pure state machine driven by an injected monotonic
// clock (every method takes `now` in ms), so the rules below are tested with a fake clock and the
// UDP shell (udp.ts) only moves bytes and time.
//
// RULES
// 1. Who may exist comes from Kubernetes (`expected`): heartbeats from anyone else are rejected.
//    This node is always in the alive set it computes, subject to rule 6.
// 2. Evidence. X has direct evidence of P at the receive time of P's last accepted `alive`
//    heartbeat. Every heartbeat carries the sender's view: the peers it hears *directly*, each with
//    its boot id and the age (sender's clock) of its last heartbeat. When X receives Q's view at
//    time t, an entry (P, age) is relayed evidence of P at t - age. Ages, not timestamps: no clock
//    is shared, and a relayed instant is only off by the one-way delay (sub-millisecond on a LAN).
// 3. Alive. X counts P alive while now - (freshest evidence of P, direct or relayed) <= deadAfter.
//    A reporter's newer view supersedes its older one: when Q stops listing P (Q's own evidence
//    of P expired), Q's older claims about P stop counting at once.
//    Only direct observations are relayed, never relayed ones: a claim cannot circle back and be
//    refreshed, so a dead peer's evidence expires deadAfter after the last node actually heard it.
// 4. Leaving. A `leaving` heartbeat makes P dead at once. Relayed entries for that boot id are
//    ignored from then on (others' views may still carry it for a moment); a new boot id (P
//    restarted) is a new life. Boot ids a peer has moved on from are refused (old packets).
// 5. Replay. Per peer, the (boot id, sequence) must increase: same boot id and seq <= last is a
//    replay; a new boot id resets the sequence; a retired boot id is refused.
// 6. Heard by others. If some peer is alive and no live view lists this node (with our boot id)
//    within deadAfter, our heartbeats are not getting out: we count ourselves dead, so the others
//    (who cannot hear us, rule 3) and we agree that we are not a candidate. Alone, we are alive:
//    a node that hears nobody cannot tell "all others died" from "I am deaf", and keeping the VIPs
//    up when the rest of the cluster is gone is what an L2 load balancer is for.
// 7. Stalls. If our own event loop did not run for more than stallThreshold (gap between two calls),
//    the silence we measured is partly our own: for stallGrace after the stall nobody is declared
//    dead (a peer already dead stays dead). Heartbeats queued in the socket during the stall are
//    read in that window. A GC pause is not a dead peer.
//
// WHY THIS AGREES (a lossy link must not leave a VIP with two answerers or none)
// With rules 2-3, X's alive set is every node within two hops of X in the "hears directly" graph.
// A lossy or cut link A-B, with any third node C hearing both, changes nobody's set: A learns of B
// through C's view within one interval, before its own direct evidence of B expires, so there is
// not even a transient. Every speaker sees the same set, the election (a pure function of it) gives
// the same owner: one answerer. A node whose sending is broken (rule 6) drops itself as the others
// drop it. A real death is detected by everyone at about the same instant (last heartbeat +
// deadAfter, within the one-way delay), so the window with two or no answerers is that skew plus
// one tick. Limits, documented: two nodes with a cut link cannot tell "link" from "node" (no third
// party; each keeps its VIPs, as with MetalLB's memberlist); views agree only if every two live
// nodes hear each other or share a neighbour (true for any single bad link, N >= 3); a node that
// hears nobody but is heard (inbound UDP blocked) believes it is alone and announces everything:
// the peers-alive gauge at 0 with peers listed is the alarm for that misconfiguration.
//
// TIMING CONSTRAINTS (for flag validation): interval + stallThreshold < deadAfter, so a pause
// too short to count as a stall can never turn into a false death; deadAfter >= 3 * interval so
// two lost heartbeats in a row are tolerated. Defaults: 100 ms, 250 ms, 500 ms.
//
// REPLAY LIMIT: sequence numbers live in memory. A receiver that restarts forgets them, so an
// on-segment attacker who recorded heartbeats (without the key) could replay a dead peer's old
// ones to it for as long as the recording lasts. Such an attacker can spoof ARP for the VIPs
// anyway; binding heartbeats to the receiver's boot id would close this if it ever matters.
import { StallDetector } from './stall.js';
import type { Heartbeat, ViewEntry } from './codec.js';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ExpectedPeer extends PeerAddress {
  readonly name: string;
}

export type ReceiveRejection = 'self' | 'unknown-peer' | 'address-mismatch' | 'replay' | 'stale-boot';

export type ChangeCause = 'heard' | 'relayed' | 'timeout' | 'leaving' | 'removed' | 'unheard';

export interface MembershipChange {
  readonly peer: string;
  readonly alive: boolean;
  /** When the change was detected (membership clock). */
  readonly at: number;
  readonly cause: ChangeCause;
  /** For deaths: time from the freshest evidence to detection (0 for leaving/removed). */
  readonly silentForMs?: number;
}

export type ReceiveResult = { ok: true; changes: MembershipChange[] } | { ok: false; reason: ReceiveRejection };

export interface MembershipOptions {
  readonly self: string;
  readonly bootId: string;
  /** Silence after which a peer is dead. Default 500. */
  readonly deadAfterMs?: number;
  /** A gap between calls longer than this is a stall of our own. Default deadAfter / 2. */
  readonly stallThresholdMs?: number;
  /** After a stall, nobody dies for this long. Default deadAfter / 2. */
  readonly stallGraceMs?: number;
  /** Require a heartbeat to come from the peer's Kubernetes address and port. Default true. */
  readonly verifySourceAddress?: boolean;
}

interface PeerState {
  host: string;
  port: number;
  bootId: string | null;
  lastSeq: bigint;
  retired: string[];
  /** Receive time of the last accepted alive heartbeat of the current boot id. */
  lastHeardAt: number | null;
  left: boolean;
  view: { at: number; entries: readonly ViewEntry[] } | null;
  alive: boolean;
  /** Freshest evidence ever seen, kept after it is superseded, to report how long death took. */
  lastEvidenceAt: number;
}

const RETIRED_BOOT_IDS = 8;
const NEVER = Number.NEGATIVE_INFINITY;

/** Canonical host text so "::ffff:10.0.0.1" (dual-stack socket) matches "10.0.0.1", and case differences in IPv6 do not. */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? (mapped[1] as string) : h;
}

export class Membership {
  readonly self: string;
  readonly bootId: string;
  readonly deadAfterMs: number;
  private readonly stall: StallDetector;
  private readonly verifySource: boolean;
  private readonly peers = new Map<string, PeerState>();
  private selfAlive = true;
  private expectedSince: number | null = null;
  private notAloneSince: number | null = null;

  constructor(opts: MembershipOptions, now: number) {
    this.self = opts.self;
    this.bootId = opts.bootId;
    this.deadAfterMs = opts.deadAfterMs ?? 500;
    this.stall = new StallDetector(now, opts.stallThresholdMs ?? this.deadAfterMs / 2, opts.stallGraceMs ?? this.deadAfterMs / 2);
    this.verifySource = opts.verifySourceAddress ?? true;
  }

  /** Replaces the peer list (speaker Pods and their host IPs). Peers no longer listed die at once. */
  expected(list: readonly ExpectedPeer[], now: number): MembershipChange[] {
    this.stall.observe(now);
    this.expectedSince ??= now;
    const changes: MembershipChange[] = [];
    const wanted = new Map(list.filter((p) => p.name !== this.self).map((p) => [p.name, p]));
    for (const [name, st] of this.peers) {
      if (wanted.has(name)) continue;
      this.peers.delete(name);
      if (st.alive) changes.push({ peer: name, alive: false, at: now, cause: 'removed', silentForMs: 0 });
    }
    for (const [name, p] of wanted) {
      const st = this.peers.get(name);
      if (st) {
        st.host = canonicalHost(p.host);
        st.port = p.port;
      } else {
        this.peers.set(name, {
          host: canonicalHost(p.host),
          port: p.port,
          bootId: null,
          lastSeq: -1n,
          retired: [],
          lastHeardAt: null,
          left: false,
          view: null,
          alive: false,
          lastEvidenceAt: NEVER,
        });
      }
    }
    return [...changes, ...this.evaluate(now)];
  }

  receive(hb: Heartbeat, from: PeerAddress, now: number): ReceiveResult {
    this.stall.observe(now);
    if (hb.node === this.self) return { ok: false, reason: 'self' };
    const st = this.peers.get(hb.node);
    if (!st) return { ok: false, reason: 'unknown-peer' };
    if (this.verifySource && (canonicalHost(from.host) !== st.host || from.port !== st.port)) {
      return { ok: false, reason: 'address-mismatch' };
    }
    if (hb.bootId === st.bootId) {
      if (hb.seq <= st.lastSeq) return { ok: false, reason: 'replay' };
    } else {
      if (st.retired.includes(hb.bootId)) return { ok: false, reason: 'stale-boot' };
      if (st.bootId !== null) st.retired = [st.bootId, ...st.retired].slice(0, RETIRED_BOOT_IDS);
      st.bootId = hb.bootId;
      st.lastSeq = -1n;
      st.left = false;
      st.lastHeardAt = null;
      st.view = null;
    }
    st.lastSeq = hb.seq;
    const changes: MembershipChange[] = [];
    if (hb.type === 'leaving') {
      st.left = true;
      st.lastHeardAt = null;
      st.view = null;
      if (st.alive) {
        st.alive = false;
        changes.push({ peer: hb.node, alive: false, at: now, cause: 'leaving', silentForMs: 0 });
      }
    } else {
      st.lastHeardAt = now;
      st.view = { at: now, entries: hb.view };
    }
    return { ok: true, changes: [...changes, ...this.evaluate(now)] };
  }

  /** Re-judges everyone against the clock; call often (the shell does every few ms). */
  tick(now: number): MembershipChange[] {
    this.stall.observe(now);
    return this.evaluate(now);
  }

  /** Alive node names, this node included when it is heard (rule 6). */
  alive(): ReadonlySet<string> {
    const out = new Set<string>();
    if (this.selfAlive) out.add(this.self);
    for (const [name, st] of this.peers) if (st.alive) out.add(name);
    return out;
  }

  /** The view to put in our next heartbeat: peers heard directly within deadAfter (rule 3). */
  view(now: number): ViewEntry[] {
    const out: ViewEntry[] = [];
    for (const [node, st] of this.peers) {
      if (st.left || st.bootId === null || st.lastHeardAt === null) continue;
      const ageMs = now - st.lastHeardAt;
      if (ageMs <= this.deadAfterMs) out.push({ node, bootId: st.bootId, ageMs });
    }
    return out;
  }

  /** Where heartbeats go: every expected peer. */
  peerAddresses(): ExpectedPeer[] {
    return [...this.peers].map(([name, st]) => ({ name, host: st.host, port: st.port }));
  }

  /**
   * True once the alive set means something: every expected peer is alive, or deadAfter has passed
   * since the peer list arrived. Announcing before that would grab every VIP for a moment at
   * start-up (everyone looks dead), moving VIPs twice when an old owner comes back.
   */
  settled(now: number): boolean {
    if (this.expectedSince === null) return false;
    if (now - this.expectedSince >= this.deadAfterMs) return true;
    return this.selfAlive && [...this.peers.values()].every((p) => p.alive);
  }

  /** How many stalls of our own event loop were detected (rule 7). */
  stalls(): number {
    return this.stall.count;
  }

  /** Freshest relayed evidence per node name (rule 2), skipping boot ids known to be over. */
  private relayedEvidence(): Map<string, number> {
    const best = new Map<string, number>();
    for (const [reporter, st] of this.peers) {
      if (st.view === null) continue;
      for (const e of st.view.entries) {
        if (e.node === reporter) continue;
        if (e.node === this.self) {
          if (e.bootId !== this.bootId) continue;
        } else {
          const subject = this.peers.get(e.node);
          if (!subject) continue;
          if (subject.retired.includes(e.bootId)) continue;
          if (subject.left && e.bootId === subject.bootId) continue;
        }
        const at = st.view.at - e.ageMs;
        if (at > (best.get(e.node) ?? NEVER)) best.set(e.node, at);
      }
    }
    return best;
  }

  private evaluate(now: number): MembershipChange[] {
    const relayed = this.relayedEvidence();
    const inGrace = this.stall.inGrace(now);
    const changes: MembershipChange[] = [];
    for (const [name, st] of this.peers) {
      const direct = st.left ? NEVER : (st.lastHeardAt ?? NEVER);
      const indirect = relayed.get(name) ?? NEVER;
      const fresh = Math.max(direct, indirect);
      st.lastEvidenceAt = Math.max(st.lastEvidenceAt, fresh);
      const alive = now - fresh <= this.deadAfterMs;
      if (alive === st.alive) continue;
      if (!alive && inGrace) continue;
      st.alive = alive;
      changes.push(
        alive
          ? { peer: name, alive, at: now, cause: direct >= indirect ? 'heard' : 'relayed' }
          : { peer: name, alive, at: now, cause: 'timeout', silentForMs: now - st.lastEvidenceAt },
      );
    }
    changes.push(...this.evaluateSelf(now, relayed.get(this.self) ?? NEVER, inGrace));
    return changes;
  }

  /**
   * Rule 6. The clock for "nobody hears us" starts when we stopped being alone, so a node that
   * just met its peers is not judged before they had a chance to hear it.
   */
  private evaluateSelf(now: number, heardAt: number, inGrace: boolean): MembershipChange[] {
    const anyPeerAlive = [...this.peers.values()].some((p) => p.alive);
    if (!anyPeerAlive) this.notAloneSince = null;
    else this.notAloneSince ??= now;
    const since = Math.max(heardAt, this.notAloneSince ?? NEVER);
    const alive = !anyPeerAlive || now - since <= this.deadAfterMs;
    if (alive === this.selfAlive || (!alive && inGrace)) return [];
    this.selfAlive = alive;
    return [
      alive
        ? { peer: this.self, alive, at: now, cause: 'heard' }
        : { peer: this.self, alive, at: now, cause: 'unheard', silentForMs: now - since },
    ];
  }
}
