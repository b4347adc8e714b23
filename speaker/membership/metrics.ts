// The membership's Prometheus series, registered in the program's Registry (never the global one,
// so tests and several instances in one process do not collide). The heartbeat service sees them
// only through MembershipMetricsSink: on its own thread (thread.ts) it has no Registry, and the
// sink forwards the observations to the main thread, which owns the series.
import { Counter, Gauge, Histogram, type Registry } from '../../shared/metrics/prom.js';
import type { RejectReason } from './protocol.js';

export type RejectLabel = RejectReason;

/** What the heartbeat service reports; no prom-client types, so a worker thread can implement it. */
export interface MembershipMetricsSink {
  peersAlive(count: number): void;
  detected(seconds: number): void;
  rejected(reason: RejectReason, count?: number): void;
  stalls(count: number): void;
  /** A pause of the main thread (measured by the heartbeat thread), in seconds. */
  mainThreadStall(seconds: number): void;
}

/** The sink backed by Prometheus series in `registry`. */
export function membershipMetrics(registry: Registry): MembershipMetricsSink {
  const registers = [registry];
  const peersAlive = new Gauge({
    name: 'l2lb_speaker_peers_alive',
    help: 'Other speakers this speaker currently considers alive (heard directly or through a live peer).',
    registers,
  });
  const detectionSeconds = new Histogram({
    name: 'l2lb_speaker_failure_detection_seconds',
    help: 'Time from the last evidence of a peer (its heartbeat, or a report of it) to declaring it dead.',
    // Around the 500 ms default: the interesting part is how far beyond deadAfter we are.
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 1, 1.5, 2, 5],
    registers,
  });
  const rejected = new Counter({
    name: 'l2lb_heartbeat_rejected_total',
    help: 'Heartbeats dropped, by reason (bad-mac: authentication failure; replay; unknown-peer; ...).',
    labelNames: ['reason'],
    registers,
  });
  const stalls = new Counter({
    name: 'l2lb_speaker_event_loop_stalls_total',
    help: 'Times this speaker found its own event loop had not run for longer than the stall threshold.',
    registers,
  });
  const mainStalls = new Histogram({
    name: 'l2lb_speaker_main_thread_stall_seconds',
    help: 'Pauses of 250 ms or more of the speaker\'s main thread (elections, API work, GC), as the heartbeat thread saw them. Past 5 s it stops heartbeating and peers take over.',
    buckets: [0.25, 0.5, 1, 2, 3, 5, 10],
    registers,
  });
  return {
    peersAlive: (count) => peersAlive.set(count),
    mainThreadStall: (seconds) => mainStalls.observe(seconds),
    detected: (seconds) => detectionSeconds.observe(seconds),
    rejected: (reason, count = 1) => rejected.inc({ reason }, count),
    stalls: (count) => stalls.inc(count),
  };
}
