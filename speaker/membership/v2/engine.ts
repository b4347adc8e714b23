// Membership, wire version 2: constant cost per node at any cluster size, decisions every speaker
// shares, failover in about deadAfter. A pure state machine over an injected monotonic clock (the
// MembershipEngine seam); udp.ts moves its bytes, sim/ simulates thousands of them.
//
// RULES
// 1. Who may exist comes from Kubernetes (`setPeers`); datagrams from anyone else are rejected.
//    From that list every speaker derives the same watch graph (topology.ts): full mesh up to 9
//    nodes, else 4 hash rings, so each node has at most 8 neighbours, a symmetric relation.
// 2. Heartbeats. Every intervalMs a node sends one datagram to each neighbour, carrying its own
//    report (rule 3). Any authenticated datagram from a neighbour is evidence it is alive. Rounds
//    fall on the multiples of intervalMs of the node's clock (a change of its report sends one at
//    once too): neighbours' heartbeats then arrive together, read in one wake-up, not one each.
// 3. Reports. A node's report lists the neighbours it has not heard for deadAfter (a neighbour
//    never heard counts as not heard), numbered by a version per boot id. Its first deadAfter
//    after the peer list arrived, and stallGrace after a stall of its own (rule 8), it adds no
//    new suspect. For that first deadAfter its report says `starting` (it cannot vouch for its
//    neighbours yet: rule 5 counts it with the reporters), and the end of it is a new version
//    like any change, so no stale `starting` outlives it anywhere.
// 4. Flooding. A changed report goes to every neighbour at once; a node receiving a report newer
//    than the one it holds (same boot id and higher version, or a boot id it never saw) keeps it
//    and forwards it to its other neighbours at once. A node hearing a neighbour's new boot id
//    sends it every non-empty report it holds, so a (re)started node learns the current facts.
// 5. Decision (decide.ts), a function of the topology and the reports held, nothing else:
//    mutual reports (X does not hear S, S does not hear X) are about a link: the side that more
//    others report loses its word, on a tie both words are void. S is dead when the reports that
//    remain, plus its neighbours that are themselves reported by someone other than S, are a
//    majority of its neighbours. A second pass drops the last reports of the nodes found dead.
//    Alive = expected peers not dead and not leaving (rule 6). This node is alive in its own
//    view exactly when it is alive in everyone's: the same reports decide (the deaf-node rule:
//    a node nobody hears is reported by its neighbours, receives those reports, and withdraws).
// 6. Leaving. On SIGTERM a node sends `leaving` to every expected peer (not only neighbours).
//    Receivers count it dead at once; its neighbours also report it, so a receiver that lost
//    the datagram learns through rule 5 within a flood. The mark lapses when the node is heard
//    with a new boot id, when a newer report of one of its neighbours no longer lists it, or
//    after 2 × deadAfter (by then the reports decide).
// 7. Replay. Per sender, (boot id, sequence) must increase; boot ids a sender moved on from are
//    refused. Per report origin, (boot id, version) must increase the same way.
// 8. Stalls. If our own event loop did not run for more than stallThreshold, for stallGrace we
//    add no new suspect: the silence we measured is partly our own. A GC pause is not a death.
//
// WHY THIS AGREES
// Every speaker holds the same topology (the same Kubernetes list) and, once a change has flooded
// (a few relays of a few milliseconds over an expander with 8 paths into every node), the same
// latest report of every origin. The dead set is a deterministic function of those two, so every
// speaker has the same alive set and the election (a pure function of it) gives the same owner.
// One lossy or one-way link X-S yields at most one report against S, or two mutual ones that void
// each other: never a majority of S's neighbours when S has two or more (N >= 3), so it changes
// nobody's decision. A real death is reported by all its neighbours within one tick of each other
// (they all lost the same last heartbeat), so the majority forms about deadAfter after the last
// heartbeat, and the flood brings it to everyone within milliseconds; the window in which two
// speakers answer for one VIP is that flood time. Two simultaneous deaths, or a dead neighbour of
// a dead node, still decide: a reported neighbour counts with the reporters.
// Limits, documented: a partition into halves makes each half report the other's nodes that it
// watches; each half finds (almost all of) the other dead and answers for its VIPs, so each VIP is
// answered once per half for as long as the partition lasts, and once within one interval plus a
// flood after it heals (a half can only serve the clients it reaches anyway). Two nodes with a cut
// link cannot tell link from node: each keeps everything. In a full mesh, a node that hears
// nobody while it is heard reports everyone; its peers then find each other reported by it and,
// seeing no one else vouch, agree with it that it is alone: one answerer per VIP, all on it (it can
// still answer ARP), and the peers-alive gauge at 0 on the others is the alarm. With the rings, such
// a node's reports are one per neighbour, never a majority: it keeps its own VIPs only.
// A peer that Kubernetes lists is alive until its neighbours report it, so a joining node listed
// before its speaker runs looks alive for the spread of the Kubernetes watch among its neighbours.
//
// TIMING CONSTRAINTS as version 1: interval + stallThreshold < deadAfter; deadAfter >= 3 × interval.
import { StallDetector } from '../stall.js';
import { randomBytes } from 'node:crypto';
import { NO_STEP, type EngineStep, type MembershipEngine, type Outgoing } from '../engine.js';
import { canonicalHost, type ExpectedPeer, type MembershipChange, type PeerAddress } from '../membership.js';
import type { RejectReason } from '../protocol.js';
import { decode2, encode2, packReports, type DatagramType, type Report } from './codec.js';
import { decideDead, type NameTest, type ReportSet } from './decide.js';
import { neighboursOf, topologyFor, type Topology } from './topology.js';

export interface V2EngineOptions {
  readonly self: string;
  /** Shared key(s); the first signs, any verifies (rotation). */
  readonly keys: readonly Uint8Array[];
  readonly bootId?: string;
  readonly intervalMs: number;
  readonly tickMs: number;
  readonly deadAfterMs?: number;
  readonly stallThresholdMs?: number;
  readonly stallGraceMs?: number;
  readonly verifySourceAddress?: boolean;
}

interface SenderState {
  bootId: string;
  lastSeq: bigint;
  retired: string[];
}

interface HeldReport {
  bootId: string;
  version: number;
  retired: string[];
  /** As received (hashes), forwarded as they are. */
  wire: Report;
  /** Mapped to names of the current topology. */
  suspects: ReadonlySet<string>;
}


const RETIRED_BOOT_IDS = 8;
const NEVER = Number.NEGATIVE_INFINITY;
const NO_NAMES: ReadonlySet<string> = new Set();

export class V2Engine implements MembershipEngine {
  readonly self: string;
  readonly bootId: string;
  private readonly keys: readonly Uint8Array[];
  private readonly intervalMs: number;
  private readonly deadAfterMs: number;
  private readonly stall: StallDetector;
  private readonly verifySource: boolean;

  private topology: Topology = topologyFor([]);
  private peers = new Map<string, ExpectedPeer>();
  private peerList: readonly ExpectedPeer[] = [];
  private expectedSince: number | null = null;
  private seq = 0n;
  private lastRoundAt = NEVER;

  /** Per sender: replay state. */
  private readonly senders = new Map<string, SenderState>();
  /** Per neighbour: when we last heard it, and how many datagrams of its current boot. */
  private readonly heard = new Map<string, { at: number; bootId: string; count: number }>();
  /** Per neighbour: since when it is our neighbour (a new relation gets no grace: see rule 3). */
  private mySuspects: ReadonlySet<string> = NO_NAMES;
  private myStarting = true;
  private myVersion = 0;
  private readonly reports = new Map<string, HeldReport>();
  // Kept beside `reports` so a decision costs O(reports that suspect someone), not O(N): every
  // speaker holds the latest report of every origin, and most of them are empty.
  private readonly suspecting = new Map<string, ReadonlySet<string>>();
  private readonly startingOrigins = new Set<string>();
  private readonly leaving = new Map<string, { bootId: string; at: number }>();
  private down: ReadonlySet<string> = NO_NAMES;
  private aliveCache: ReadonlySet<string> | null = null;

  constructor(opts: V2EngineOptions, now: number) {
    if (opts.keys.length === 0) throw new Error('membership needs at least one key');
    this.self = opts.self;
    this.bootId = opts.bootId ?? randomBytes(16).toString('hex');
    this.keys = opts.keys;
    this.intervalMs = opts.intervalMs;
    this.deadAfterMs = opts.deadAfterMs ?? 500;
    this.stall = new StallDetector(now, opts.stallThresholdMs ?? this.deadAfterMs / 2, opts.stallGraceMs ?? this.deadAfterMs / 2);
    this.verifySource = opts.verifySourceAddress ?? true;
  }

  /** This node's neighbours in the watch graph. */
  neighbours(): readonly string[] {
    return [...neighboursOf(this.topology, this.self)];
  }

  /** The reports this node holds (origin to suspected names), for tests and diagnostics. */
  heldReports(): ReportSet {
    return this.reportSet();
  }

  setPeers(list: readonly ExpectedPeer[], now: number): EngineStep {
    this.stall.observe(now);
    this.expectedSince ??= now;
    const before = this.alive();
    const downBefore = this.down;
    this.peerList = list;
    this.peers = new Map(list.map((p) => [p.name, { ...p, host: canonicalHost(p.host) }]));
    const names = list.map((p) => p.name);
    if (!this.peers.has(this.self)) names.push(this.self);
    const oldNbrs = neighboursOf(this.topology, this.self);
    this.topology = topologyFor(names);
    for (const name of [...this.senders.keys()]) if (!this.peers.has(name)) this.senders.delete(name);
    for (const name of [...this.reports.keys()]) if (!this.peers.has(name)) this.forget(name);
    for (const name of [...this.leaving.keys()]) if (!this.peers.has(name)) this.leaving.delete(name);
    // Suspects travel as hashes: re-map the held reports to the new list.
    for (const [origin, h] of this.reports) this.hold(origin, { ...h, suspects: this.namesOf(h.wire.suspects) });
    const send: Outgoing[] = [];
    const nbrs = neighboursOf(this.topology, this.self);
    const newcomer = [...nbrs].some((n) => !oldNbrs.has(n));
    for (const n of [...this.heard.keys()]) if (!nbrs.has(n)) this.heard.delete(n);
    const own = this.updateOwnReport(now);
    // Introduce ourselves to new neighbours now rather than at the next interval.
    if (own || newcomer) send.push(...this.heartbeats(now));
    const changes = this.recompute(now, downBefore);
    const after = this.alive();
    for (const name of before) if (!after.has(name) && !this.down.has(name)) changes.push({ peer: name, alive: false, at: now, cause: 'removed', silentForMs: 0 });
    for (const name of after) if (!before.has(name) && !downBefore.has(name)) changes.push({ peer: name, alive: true, at: now, cause: 'heard' });
    return { changes, send };
  }

  receive(bytes: Uint8Array, from: PeerAddress, now: number): EngineStep {
    this.stall.observe(now);
    const d = decode2(bytes, this.keys);
    if (!d.ok) return { ...NO_STEP, rejected: d.reason };
    const dg = d.datagram;
    if (dg.node === this.self) return { ...NO_STEP, rejected: 'self' };
    const peer = this.peers.get(dg.node);
    if (!peer) return { ...NO_STEP, rejected: 'unknown-peer' };
    if (this.verifySource && (canonicalHost(from.host) !== peer.host || from.port !== peer.port)) return { ...NO_STEP, rejected: 'address-mismatch' };
    const replay = this.checkSequence(dg.node, dg.bootId, dg.seq);
    if (replay !== null) return { ...NO_STEP, rejected: replay };

    const downBefore = this.down;
    const send: Outgoing[] = [];
    let leavingChanged = false;
    if (dg.type === 'leaving') {
      leavingChanged = !this.leaving.has(dg.node);
      this.leaving.set(dg.node, { bootId: dg.bootId, at: now });
      this.heard.delete(dg.node);
    } else {
      const left = this.leaving.get(dg.node);
      if (left && left.bootId !== dg.bootId) {
        this.leaving.delete(dg.node);
        leavingChanged = true;
      }
      if (neighboursOf(this.topology, this.self).has(dg.node)) {
        const h = this.heard.get(dg.node);
        if (!h || h.bootId !== dg.bootId) {
          this.heard.set(dg.node, { at: now, bootId: dg.bootId, count: 1 });
          send.push(...this.pushAll(peer));
        } else {
          h.at = now;
          h.count++;
        }
      }
    }
    const fresh: Report[] = [];
    const leavingBefore = this.leaving.size;
    for (const r of dg.reports) if (this.accept(r, now)) fresh.push(r);
    if (fresh.length > 0) send.push(...this.forward(fresh, dg.node));
    const own = this.updateOwnReport(now);
    if (own) send.push(...this.heartbeats(now));
    const changed = own || fresh.length > 0 || leavingChanged || this.leaving.size !== leavingBefore;
    return { changes: changed ? this.recompute(now, downBefore) : [], send };
  }

  timer(now: number): EngineStep {
    this.stall.observe(now);
    const downBefore = this.down;
    let expired = false;
    for (const [name, l] of this.leaving) {
      if (now - l.at > 2 * this.deadAfterMs) {
        this.leaving.delete(name);
        expired = true;
      }
    }
    const changed = this.updateOwnReport(now);
    const due = now >= this.roundDueAt();
    const send = changed || due ? this.heartbeats(now) : [];
    const changes = changed || expired ? this.recompute(now, downBefore) : [];
    return { changes, send };
  }

  nextTimerAt(now: number): number {
    let next = this.roundDueAt();
    // Boundaries that end at a time (`now < end`): nothing left to do once passed.
    const ends = (t: number): void => {
      if (t > now && t < next) next = t;
    };
    // Boundaries crossed strictly after a time (`now - since > limit`): one passed but not yet
    // acted on is due at once (the shell calls again a millisecond later).
    const after = (t: number): void => {
      next = Math.min(next, Math.max(t, now));
    };
    // Rule 3: the end of the starting window and of a stall grace (silent neighbours may become
    // suspects then); the first is also when settled() turns true.
    const starting = this.expectedSince === null || now - this.expectedSince < this.deadAfterMs;
    if (this.expectedSince !== null) ends(this.expectedSince + this.deadAfterMs);
    ends(this.stall.graceEnd);
    // Rule 3: a heard neighbour becomes a suspect deadAfter after it was last heard (in grace not
    // before the grace ends, above). One already suspected leaves the report when it is heard
    // again, which receive() handles.
    const inGrace = starting || this.stall.inGrace(now);
    for (const n of neighboursOf(this.topology, this.self)) {
      const h = this.heard.get(n);
      if (!h || this.mySuspects.has(n)) continue;
      const silentAt = h.at + this.deadAfterMs;
      if (silentAt > now || !inGrace) after(silentAt);
    }
    // Rule 6: a leaving mark lapses 2 x deadAfter after it was set.
    for (const l of this.leaving.values()) after(l.at + 2 * this.deadAfterMs);
    return next;
  }

  /**
   * Rule 2: rounds fall on the multiples of the interval. Clocks of the nodes agree to within
   * milliseconds (the shell's clock is the wall clock at process start, then monotonic), so
   * neighbours' heartbeats arrive together and a speaker reads them in one wake-up.
   */
  private roundDueAt(): number {
    return (Math.floor(this.lastRoundAt / this.intervalMs) + 1) * this.intervalMs;
  }

  leave(now: number): Outgoing[] {
    const out: Outgoing[] = [];
    const enc = this.encode('leaving', [], now);
    if (!enc) return out;
    for (const p of this.peerList) if (p.name !== this.self) out.push({ to: p, bytes: enc });
    return out;
  }

  alive(): ReadonlySet<string> {
    if (this.aliveCache) return this.aliveCache;
    const out = new Set<string>();
    for (const name of this.topology.names) if (!this.down.has(name)) out.add(name);
    this.aliveCache = out;
    return out;
  }

  /**
   * True once alive() means something: deadAfter after the peer list arrived (by then our own
   * reports count and the neighbours' pushes have come), or earlier once every neighbour was
   * heard twice (its push follows its first heartbeat to us).
   */
  settled(now: number): boolean {
    if (this.expectedSince === null) return false;
    if (now - this.expectedSince >= this.deadAfterMs) return true;
    for (const n of neighboursOf(this.topology, this.self)) if ((this.heard.get(n)?.count ?? 0) < 2) return false;
    return true;
  }

  stalls(): number {
    return this.stall.count;
  }

  // ---- rules ------------------------------------------------------------------------------------

  /** Rule 7 for senders; null when the datagram is new. */
  private checkSequence(node: string, bootId: string, seq: bigint): RejectReason | null {
    const st = this.senders.get(node);
    if (!st) {
      this.senders.set(node, { bootId, lastSeq: seq, retired: [] });
      return null;
    }
    if (st.bootId === bootId) {
      if (seq <= st.lastSeq) return 'replay';
      st.lastSeq = seq;
      return null;
    }
    if (st.retired.includes(bootId)) return 'stale-boot';
    st.retired = [st.bootId, ...st.retired].slice(0, RETIRED_BOOT_IDS);
    st.bootId = bootId;
    st.lastSeq = seq;
    return null;
  }

  /** Rules 4 and 7 for reports: keeps a report newer than the one held; true when kept. */
  private accept(r: Report, now: number): boolean {
    if (r.origin === this.self || !this.peers.has(r.origin)) return false;
    const held = this.reports.get(r.origin);
    if (held) {
      if (held.bootId === r.bootId) {
        if (r.version <= held.version) return false;
      } else {
        if (held.retired.includes(r.bootId)) return false;
        held.retired = [held.bootId, ...held.retired].slice(0, RETIRED_BOOT_IDS);
      }
    }
    const suspects = this.namesOf(r.suspects);
    this.hold(r.origin, { bootId: r.bootId, version: r.version, retired: held?.retired ?? [], wire: r, suspects });
    // Rule 6: a neighbour of a leaving node that no longer reports it has heard it again.
    for (const [name] of this.leaving) {
      const left = this.leaving.get(name);
      if (left && now - left.at >= this.intervalMs && neighboursOf(this.topology, name).has(r.origin) && !suspects.has(name)) this.leaving.delete(name);
    }
    return true;
  }

  /** Rule 3: recomputes our own suspects; true (and a new version) when they changed. */
  private updateOwnReport(now: number): boolean {
    // The first deadAfter after the peer list arrived: neighbours have not had a chance yet.
    const starting = this.expectedSince === null || now - this.expectedSince < this.deadAfterMs;
    const inGrace = this.stall.inGrace(now) || starting;
    const next = new Set<string>();
    for (const n of neighboursOf(this.topology, this.self)) {
      const h = this.heard.get(n);
      const silent = h === undefined || now - h.at > this.deadAfterMs;
      if (!silent) continue;
      // In grace a neighbour already suspected stays so; nobody new is added.
      if (!inGrace || this.mySuspects.has(n)) next.add(n);
    }
    if (starting === this.myStarting && next.size === this.mySuspects.size && [...next].every((n) => this.mySuspects.has(n))) return false;
    this.mySuspects = next;
    this.myStarting = starting;
    this.myVersion++;
    return true;
  }

  private ownReport(): Report {
    const hashes: string[] = [];
    for (const n of this.mySuspects) {
      const h = this.topology.hashOf.get(n);
      if (h) hashes.push(h);
    }
    return { origin: this.self, bootId: this.bootId, version: this.myVersion, suspects: hashes, starting: this.myStarting };
  }

  private namesOf(hashes: readonly string[]): ReadonlySet<string> {
    if (hashes.length === 0) return NO_NAMES;
    const out = new Set<string>();
    for (const h of hashes) {
      const n = this.topology.byHash.get(h);
      if (n !== undefined) out.add(n);
    }
    return out;
  }

  private hold(origin: string, h: HeldReport): void {
    this.reports.set(origin, h);
    if (h.suspects.size > 0) this.suspecting.set(origin, h.suspects);
    else this.suspecting.delete(origin);
    if (h.wire.starting) this.startingOrigins.add(origin);
    else this.startingOrigins.delete(origin);
  }

  private forget(origin: string): void {
    this.reports.delete(origin);
    this.suspecting.delete(origin);
    this.startingOrigins.delete(origin);
  }

  private reportSet(): Map<string, ReadonlySet<string>> {
    const out = new Map(this.suspecting);
    if (this.mySuspects.size > 0) out.set(this.self, this.mySuspects);
    return out;
  }

  /** Origins whose latest report says they are starting (rule 3). */
  private readonly starting: NameTest = { has: (name) => (name === this.self ? this.myStarting : this.startingOrigins.has(name)) };

  /** Rule 5: the new down set, and the changes from the previous one. */
  private recompute(now: number, downBefore: ReadonlySet<string>): MembershipChange[] {
    const down = decideDead(this.topology, this.reportSet(), this.starting);
    for (const name of this.leaving.keys()) down.add(name);
    this.down = down;
    this.aliveCache = null;
    const changes: MembershipChange[] = [];
    for (const name of down) {
      if (downBefore.has(name) || !this.topology.neighbours.has(name)) continue;
      const cause = this.leaving.has(name) ? 'leaving' : name === this.self ? 'unheard' : 'timeout';
      const h = this.heard.get(name);
      const silent = cause === 'leaving' ? { silentForMs: 0 } : h ? { silentForMs: now - h.at } : {};
      changes.push({ peer: name, alive: false, at: now, cause, ...silent });
    }
    for (const name of downBefore) {
      if (!down.has(name) && this.topology.neighbours.has(name)) changes.push({ peer: name, alive: true, at: now, cause: 'heard' });
    }
    return changes;
  }

  // ---- datagrams --------------------------------------------------------------------------------

  private encode(type: DatagramType, reports: readonly Report[], _now: number): Buffer | null {
    const enc = encode2({ type, node: this.self, bootId: this.bootId, seq: this.seq++, reports }, this.keys[0] as Uint8Array);
    return enc.ok ? enc.bytes : null;
  }

  private toNeighbours(bytes: Buffer, except?: string): Outgoing[] {
    const out: Outgoing[] = [];
    for (const n of neighboursOf(this.topology, this.self)) {
      if (n === except) continue;
      const p = this.peers.get(n);
      if (p) out.push({ to: p, bytes });
    }
    return out;
  }

  /** Rule 2: our report to every neighbour, one datagram for all. */
  private heartbeats(now: number): Outgoing[] {
    this.lastRoundAt = now;
    const bytes = this.encode('alive', [this.ownReport()], now);
    return bytes ? this.toNeighbours(bytes) : [];
  }

  /** Rule 4: new reports to every neighbour but the one they came from. */
  private forward(reports: readonly Report[], from: string): Outgoing[] {
    const out: Outgoing[] = [];
    for (const batch of packReports(this.self, reports)) {
      const bytes = this.encode('alive', batch, 0);
      if (bytes) out.push(...this.toNeighbours(bytes, from));
    }
    return out;
  }

  /** Rule 4: everything a (re)started neighbour needs, our own report first. */
  private pushAll(to: ExpectedPeer): Outgoing[] {
    const reports = [this.ownReport()];
    for (const h of this.reports.values()) if ((h.suspects.size > 0 || h.wire.starting) && h.wire.origin !== to.name) reports.push(h.wire);
    const out: Outgoing[] = [];
    for (const batch of packReports(this.self, reports)) {
      const bytes = this.encode('alive', batch, 0);
      if (bytes) out.push({ to, bytes });
    }
    return out;
  }
}
