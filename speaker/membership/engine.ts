// The seam between a membership protocol and whatever moves its bytes and time. An engine is a
// pure state machine over an injected monotonic clock: the UDP shell (udp.ts) and the simulated
// network (sim/) drive the same engines, so every figure the simulation gives comes from the code
// the speaker runs. An engine never sleeps and never touches a socket: each call returns the
// datagrams to send now.
import type { ExpectedPeer, MembershipChange, PeerAddress } from './membership.js';
import type { RejectReason } from './protocol.js';

export interface Outgoing {
  readonly to: ExpectedPeer;
  readonly bytes: Buffer;
}

export interface EngineStep {
  readonly changes: readonly MembershipChange[];
  readonly send: readonly Outgoing[];
  /** Set when the datagram was dropped (receive only). */
  readonly rejected?: RejectReason;
}

export interface MembershipEngine {
  readonly self: string;
  /** The speakers Kubernetes lists (this node may be among them). */
  setPeers(peers: readonly ExpectedPeer[], now: number): EngineStep;
  receive(bytes: Uint8Array, from: PeerAddress, now: number): EngineStep;
  /** Sends what is due, judges silences. The shell calls it at nextTimerAt (or earlier: harmless). */
  timer(now: number): EngineStep;
  /**
   * When timer() next has something to do: a heartbeat round, a silence to judge, a grace or a
   * mark that ends. Nothing is due before this time; at it or later something may be (a boundary
   * that is strict, such as "silent for more than deadAfter", may need one more call a moment later).
   * Never later than one heartbeat interval after the last round. Waking only then instead of
   * every tick is most of an idle speaker's CPU: a timer wake-up costs about 0.1 ms of CPU on a
   * small virtual machine, and every 10 ms that was 10 ms of CPU per second per speaker.
   */
  nextTimerAt(now: number): number;
  /** The datagrams that tell peers we leave (SIGTERM); the engine is done after this. */
  leave(now: number): Outgoing[];
  /** Alive node names, this node included while it counts itself alive. */
  alive(): ReadonlySet<string>;
  /** False until alive() means something (see Membership.settled). */
  settled(now: number): boolean;
  /** Stalls of our own event loop seen so far. */
  stalls(): number;
}

export const NO_STEP: EngineStep = Object.freeze({ changes: [], send: [] });
