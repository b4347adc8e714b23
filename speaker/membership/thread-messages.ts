// The messages between the speaker's main thread and its heartbeat thread (thread.ts and
// thread-worker.ts). Plain data only: everything here crosses postMessage by structured clone.
import type { LogFields, LogLevel } from '../../shared/log.js';
import type { ExpectedPeer, MembershipChange } from './membership.js';
import type { RejectReason } from './protocol.js';
import type { HeartbeatServiceOptions } from './udp.js';

/** workerData: what HeartbeatService.start needs, minus what cannot cross threads. */
export interface HeartbeatThreadInit extends Pick<HeartbeatServiceOptions, 'self' | 'keys' | 'port' | 'bindAddresses' | 'intervalMs' | 'deadAfterMs' | 'verifySourceAddress' | 'bootId'> {
  /** The main thread pings every this many ms... */
  readonly pingIntervalMs: number;
  /** ...and after this long without a ping, the heartbeat thread stops sending alive heartbeats. */
  readonly mainStallLimitMs: number;
}

export type ToHeartbeatThread =
  | { readonly t: 'peers'; readonly peers: readonly ExpectedPeer[] }
  | { readonly t: 'ping' }
  | { readonly t: 'stop'; readonly leaving: boolean };

/** Counts since the last batch; peersAlive only when it changed. */
export interface MetricsBatch {
  readonly peersAlive?: number;
  readonly detectedSeconds: readonly number[];
  readonly rejected: readonly (readonly [RejectReason, number])[];
  readonly stalls: number;
  readonly mainStallSeconds: readonly number[];
}

export type FromHeartbeatThread =
  | { readonly t: 'started'; readonly ports: { v4?: number; v6?: number } }
  | { readonly t: 'startFailed'; readonly error: string }
  | { readonly t: 'state'; readonly changes: readonly MembershipChange[]; readonly alive: readonly string[]; readonly settled: boolean }
  | { readonly t: 'metrics'; readonly batch: MetricsBatch }
  | { readonly t: 'log'; readonly level: LogLevel; readonly event: string; readonly msg: string; readonly fields: LogFields }
  | { readonly t: 'stopped' };
