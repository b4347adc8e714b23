// When the speaker elects, and what it does with the outcome. Membership and interface changes
// elect at once (the failover path); cluster-object changes are paced (pacer.ts) and make the
// next pass a full one, while a pass after a membership change alone re-elects only the groups
// it can move (world/election-pass.ts). The outcome goes to the announcer first (the only
// thing on the packet path), then to flow spreading, logs, Events and metrics, then to ServiceL2Status writes.
import type { Logger } from '../shared/log.js';
import type { Announcer } from './announcer/announcer.js';
import { cpuSecondsSince, type SpeakerMetrics } from './metrics.js';
import type { OwnershipReport } from './ownership/report.js';
import { Pacer, type When } from './pacer.js';
import type { FlowSpreader } from './spread/spreader.js';
import type { StatusSync } from './status/sync.js';
import type { Elector } from './world/election-pass.js';

export interface ElectionLoopOptions {
  readonly log: Logger;
  readonly metrics: Pick<SpeakerMetrics, 'electionSeconds' | 'electionCpuSeconds' | 'membershipElectionSeconds' | 'elections'>;
  readonly elector: Elector;
  /** Until membership has heard its peers, "alone" would mean "owner of everything". */
  readonly membership: { settled(): boolean; alive(): ReadonlySet<string> };
  /** Undefined until the speaker can announce. */
  readonly announcer: () => Announcer | undefined;
  readonly usableInterfaces: () => readonly string[];
  readonly report: OwnershipReport;
  readonly spread: Pick<FlowSpreader, 'elected'>;
  readonly statusSync: StatusSync;
  /** A pass longer than this is logged: the main thread also answers ARP/NDP. */
  readonly slowPassMs: number;
}

export class ElectionLoop {
  private queued = false;
  private stopped = false;
  /** Paces full passes only: passes for object changes keep to a duty cycle of full passes. */
  private readonly pacer = new Pacer(() => this.queue());

  constructor(private readonly opts: ElectionLoopOptions) {}

  /** 'now' for membership and interface changes (failover); 'paced' for object changes. */
  request(when: When): void {
    if (!this.stopped) this.pacer.request(when);
  }

  /** A cluster object the election reads changed: the next pass elects every VIP. */
  objectsChanged(): void {
    this.opts.elector.invalidate();
    this.request('paced');
  }

  stop(): void {
    this.stopped = true;
    this.pacer.cancel();
  }

  private queue(): void {
    if (this.queued || this.stopped) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      this.elect();
    });
  }

  private elect(): void {
    const { opts } = this;
    const announcer = opts.announcer();
    // Until membership has settled its 'settled' event asks again.
    if (!announcer || this.stopped || !opts.membership.settled()) return;
    const [t0, cpu0] = [performance.now(), process.cpuUsage()];
    const alive = opts.membership.alive();
    const { input, results, plan, externalRefused, kind, groupsElected } = opts.elector.elect(alive, opts.usableInterfaces());
    for (const e of announcer.setOwned(plan.pairs).errors) opts.log.error('announceError', e);
    const ms = performance.now() - t0;
    opts.metrics.elections.inc({ kind });
    if (kind === 'full') {
      this.pacer.took(ms);
      opts.metrics.electionSeconds.set(ms / 1000);
      opts.metrics.electionCpuSeconds.set(cpuSecondsSince(cpu0));
    } else opts.metrics.membershipElectionSeconds.set(ms / 1000);
    if (ms > opts.slowPassMs) opts.log.warn('slowElection', 'an election held the main thread for long', { ms: Math.round(ms), kind, services: input.services.length, groups: groupsElected });

    opts.report.apply(plan, results, externalRefused);
    opts.spread.elected(plan.owned, results);
    opts.statusSync.elect({ results, alive, interfacesOf: (key) => opts.report.current.get(key)?.interfaces ?? [] });
  }
}
