// The membership's Prometheus series, registered in the program's Registry (never the global one,
// so tests and several instances in one process do not collide).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RejectReason } from './protocol.js';

export type RejectLabel = RejectReason;
export interface MembershipMetrics {
  readonly peersAlive: Gauge;
  readonly detectionSeconds: Histogram;
  readonly rejected: Counter<'reason'>;
  readonly stalls: Counter;
}

export function membershipMetrics(registry: Registry): MembershipMetrics {
  const registers = [registry];
  return {
    peersAlive: new Gauge({
      name: 'l2lb_speaker_peers_alive',
      help: 'Other speakers this speaker currently considers alive (heard directly or through a live peer).',
      registers,
    }),
    detectionSeconds: new Histogram({
      name: 'l2lb_speaker_failure_detection_seconds',
      help: 'Time from the last evidence of a peer (its heartbeat, or a report of it) to declaring it dead.',
      // Around the 500 ms default: the interesting part is how far beyond deadAfter we are.
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 1, 1.5, 2, 5],
      registers,
    }),
    rejected: new Counter({
      name: 'l2lb_heartbeat_rejected_total',
      help: 'Heartbeats dropped, by reason (bad-mac: authentication failure; replay; unknown-peer; ...).',
      labelNames: ['reason'],
      registers,
    }),
    stalls: new Counter({
      name: 'l2lb_speaker_event_loop_stalls_total',
      help: 'Times this speaker found its own event loop had not run for longer than the stall threshold.',
      registers,
    }),
  };
}
