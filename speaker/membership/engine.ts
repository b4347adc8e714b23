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
  /** Called every tickMs: sends what is due, judges silences. */
  timer(now: number): EngineStep;
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
