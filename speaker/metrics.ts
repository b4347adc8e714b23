// Speaker metrics owned by the wiring (the announcer and membership register their own):
// MetalLB's metallb_speaker_announced, plus ownership changes and API writes.
import { Counter, Gauge, Registry, collectDefaultMetrics } from '../shared/metrics/prom.js';

/** CPU seconds (user + system) the process used since `start` (from process.cpuUsage()). */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

export interface SpeakerMetrics {
  readonly registry: Registry;
  readonly announced: Gauge<'ip' | 'node' | 'protocol' | 'service'>;
  readonly ownershipChanges: Counter<'change'>;
  readonly apiWrites: Counter<'verb' | 'resource'>;
  readonly electionSeconds: Gauge;
  readonly electionCpuSeconds: Gauge;
  readonly membershipElectionSeconds: Gauge;
  readonly elections: Counter<'kind'>;
}

export function createSpeakerMetrics(): SpeakerMetrics {
  const registry = new Registry();
  collectDefaultMetrics(registry, 'l2lb_speaker_');
  const r = [registry];
  return {
    registry,
    announced: new Gauge({ name: 'metallb_speaker_announced', help: 'Services being announced from this node. This is desired state, it does not guarantee that the routing protocols have converged.', labelNames: ['ip', 'node', 'protocol', 'service'], registers: r }),
    ownershipChanges: new Counter({ name: 'l2lb_speaker_ownership_changes_total', help: 'Services this node started (gained) or stopped (lost) announcing', labelNames: ['change'], registers: r }),
    apiWrites: new Counter({ name: 'l2lb_k8s_writes_total', help: 'Writes to the Kubernetes API, by verb and resource', labelNames: ['verb', 'resource'], registers: r }),
    electionSeconds: new Gauge({ name: 'l2lb_speaker_last_election_seconds', help: 'Duration of the last full election (every VIP), to the announcer holding its outcome', registers: r }),
    // Wall time alone cannot tell a slow election from a busy machine: beside it, the CPU it used.
    electionCpuSeconds: new Gauge({ name: 'l2lb_speaker_last_election_cpu_seconds', help: 'CPU time of the last full election (the process: includes the heartbeat thread meanwhile)', registers: r }),
    membershipElectionSeconds: new Gauge({ name: 'l2lb_speaker_last_membership_election_seconds', help: 'Duration of the last election after a membership change alone (only the VIPs it could move), to the announcer holding its outcome', registers: r }),
    elections: new Counter({ name: 'l2lb_speaker_elections_total', help: 'Elections run: full (a cluster object or interface changed) or membership (a peer died, left or returned)', labelNames: ['kind'], registers: r }),
  };
}
