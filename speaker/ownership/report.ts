// What an election changed for this node, told to operators: a log line per Service gained or
// lost (one summary line for large moves), the metallb_speaker_announced series, the ownership
// change counter, and Service Events (nodeAssigned, announceFailed, announceRefused,
// externalIPsNotAnnounced; each Warning once per distinct message, not once per election).
//
// Events come from what this process announced (remembered here), never from reading back the
// ServiceL2Status objects this node writes: those lag behind (writes are paced and retried), so a
// quick lose-and-regain could hide a real change. One exception at start: the Services the
// previous process on this node announced (the statuses naming this node when we first elect)
// are not announced to users again, so a speaker restart or upgrade does not emit an Event per
// Service when nothing changed for them.
import type { Logger } from '../../shared/log.js';
import { PER_PAIR_LOG_LIMIT } from '../announcer/announcer.js';
import type { ElectionResult } from '../election/types.js';
import type { SpeakerMetrics } from '../metrics.js';
import { diffOwnership, type AnnouncementPlan, type OwnedService } from '../world/announcement-plan.js';

export interface OwnershipReportOptions {
  readonly nodeName: string;
  readonly log: Logger;
  readonly metrics: Pick<SpeakerMetrics, 'announced' | 'ownershipChanges'>;
  readonly event: (serviceKey: string, type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** Read once, at the first election: Services the previous process on this node announced. */
  readonly announcedBeforeStart: () => ReadonlySet<string>;
}

export class OwnershipReport {
  private owned: ReadonlyMap<string, OwnedService> = new Map();
  private failed: ReadonlyMap<string, string> = new Map();
  private refused: ReadonlyMap<string, string> = new Map();
  private externalRefused: ReadonlyMap<string, string> = new Map();
  private beforeStart: ReadonlySet<string> | undefined;

  constructor(private readonly opts: OwnershipReportOptions) {}

  /** The Services this node announces, as of the last election. */
  get current(): ReadonlyMap<string, OwnedService> {
    return this.owned;
  }

  /** Reports the difference between the last election's plan and this one's. */
  apply(
    plan: Pick<AnnouncementPlan, 'owned' | 'failed' | 'refused'>,
    results: ReadonlyMap<string, ElectionResult>,
    externalRefused: ReadonlyMap<string, string> = new Map(),
  ): void {
    const beforeStart = this.beforeStart === undefined ? this.opts.announcedBeforeStart() : new Set<string>();
    this.beforeStart = new Set();
    const diff = diffOwnership(this.owned, plan.owned);
    // A large move (a peer died owning thousands of VIPs) is one summary line; each Service at
    // debug. stdout to a pipe is synchronous on Linux: thousands of lines would stall the loop.
    const quiet = diff.lost.length + diff.gained.length + diff.changed.length > PER_PAIR_LOG_LIMIT;
    for (const s of diff.lost) this.withdrawn(s, results.get(s.key), quiet);
    for (const s of diff.gained) this.announced(s, quiet, !beforeStart.has(s.key));
    for (const s of diff.changed) {
      this.clearAnnouncedMetric(this.owned.get(s.key)!);
      this.announced(s, quiet, false);
    }
    if (quiet) {
      this.opts.log.info('ownershipChanged', 'many Services changed owner at once (each logged at debug)', {
        announced: diff.gained.length, withdrawn: diff.lost.length, changed: diff.changed.length,
        firstAnnounced: diff.gained.slice(0, 10).map((s) => s.key), firstWithdrawn: diff.lost.slice(0, 10).map((s) => s.key),
      });
    }
    for (const [key, reason] of plan.failed) {
      if (this.failed.get(key) === reason) continue;
      this.opts.log.error('announceFailed', reason, { service: key });
      this.opts.event(key, 'Warning', 'announceFailed', reason);
    }
    this.warnOnChange('announceRefused', plan.refused, this.refused);
    this.warnOnChange('externalIPsNotAnnounced', externalRefused, this.externalRefused);
    this.owned = plan.owned;
    this.failed = plan.failed;
    this.refused = plan.refused;
    this.externalRefused = externalRefused;
  }

  /** A Warning (and a log line) for each Service whose message is new since the last election. */
  private warnOnChange(reason: string, now: ReadonlyMap<string, string>, before: ReadonlyMap<string, string>): void {
    for (const [key, message] of now) {
      if (before.get(key) === message) continue;
      this.opts.log.warn(reason, message, { service: key });
      this.opts.event(key, 'Warning', reason, message);
    }
  }

  /** Everything stops being announced (a planned stop, or membership is gone). */
  withdrawAll(reason: string): void {
    const quiet = this.owned.size > PER_PAIR_LOG_LIMIT;
    if (quiet) this.opts.log.info('ownershipChanged', 'withdrawing every Service (each logged at debug)', { withdrawn: this.owned.size, reason });
    for (const s of this.owned.values()) {
      this.clearAnnouncedMetric(s);
      this.opts.log[quiet ? 'debug' : 'info']('serviceWithdrawn', 'withdrawing service announcement', { service: s.key, ips: s.ips, reason });
    }
    this.owned = new Map();
  }

  private announced(s: OwnedService, quiet: boolean, newToUsers: boolean): void {
    const { nodeName } = this.opts;
    for (const ip of s.ips) this.opts.metrics.announced.set({ ip, node: nodeName, protocol: 'layer2', service: s.key }, 1);
    this.opts.log[quiet ? 'debug' : 'info']('serviceAnnounced', 'service has IP, announcing', { service: s.key, ips: s.ips, pool: s.pool, interfaces: s.interfaces, protocol: 'layer2' });
    if (!this.owned.has(s.key)) this.opts.metrics.ownershipChanges.inc({ change: 'gained' });
    // One Event per change of announcing node: a Service this process starts announcing.
    if (newToUsers) this.opts.event(s.key, 'Normal', 'nodeAssigned', `announcing from node "${nodeName}" with protocol "layer2"`);
  }

  private withdrawn(s: OwnedService, result: ElectionResult | undefined, quiet: boolean): void {
    this.clearAnnouncedMetric(s);
    this.opts.metrics.ownershipChanges.inc({ change: 'lost' });
    const why = result?.owner ? `notOwner (now ${result.owner})` : result?.reason ?? 'serviceDeleted';
    this.opts.log[quiet ? 'debug' : 'info']('serviceWithdrawn', 'withdrawing service announcement', { service: s.key, ips: s.ips, reason: why });
  }

  /** Stale series must go: a node that stopped announcing must not look like it still does. */
  private clearAnnouncedMetric(s: OwnedService): void {
    for (const ip of s.ips) this.opts.metrics.announced.remove({ ip, node: this.opts.nodeName, protocol: 'layer2', service: s.key });
  }
}
