// The ServiceL2Status loop: after each election (and, paced, after changes of the status objects
// themselves) plan the writes that bring the objects in line with the election, and apply them a
// few at a time. One pass at a time; a request during a pass runs one more pass after it. Failed
// writes are planned again after a backoff (retry.ts), so a status is never left stale just
// because nothing else changed. Plans never start from a version we overwrote (written.ts).
import type { V1Service } from '@kubernetes/client-node';
import { eachBounded } from '../../shared/async/bounded.js';
import type { ServiceL2Status } from '../../shared/api/types.js';
import type { KubeClient } from '../../shared/k8s/client.js';
import type { Logger } from '../../shared/log.js';
import type { ElectionResult } from '../election/types.js';
import { Pacer, type When } from '../pacer.js';
import { serviceKey } from '../world/election-input.js';
import { StatusExecutor, type WriteCounter } from './executor.js';
import { planStatusWrites, type Ownership } from './plan.js';
import { statusRetryDelay } from './retry.js';
import { WrittenVersions } from './written.js';

/** A takeover of thousands of VIPs rewrites as many statuses: a few at a time, not one by one. */
const STATUS_WRITES_IN_FLIGHT = 4;

/** What the last election decided, which the statuses must show. */
export interface ElectedState {
  readonly results: ReadonlyMap<string, ElectionResult>;
  /** The alive set the election used (not membership's latest: see plan.ts's janitor). */
  readonly alive: ReadonlySet<string>;
  /** Interfaces this node announces each of its Services on. */
  readonly interfacesOf: (serviceKey: string) => readonly string[];
}

export interface StatusSyncOptions {
  readonly kc: KubeClient;
  readonly namespace: string;
  readonly nodeName: string;
  readonly log: Logger;
  readonly countWrite: WriteCounter;
  readonly services: () => readonly V1Service[];
  readonly statuses: () => readonly ServiceL2Status[];
  /** A pass longer than this is logged: the main thread also answers ARP/NDP. */
  readonly slowPassMs: number;
}

export class StatusSync {
  private readonly executor: StatusExecutor;
  private readonly written = new WrittenVersions();
  /**
   * 'now' after an election; 'paced' for changes of the ServiceL2Status objects themselves: each of
   * a takeover's thousands of writes comes back as a watch event on every speaker, and re-planning
   * all statuses (a pass over every Service) for each kept the main threads busy for tens of seconds.
   */
  private readonly pacer = new Pacer(() => this.run());
  private elected: ElectedState | undefined;
  private running = false;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Consecutive passes with a write that failed other than by conflict (for the backoff). */
  private failures = 0;
  private stopped = false;

  constructor(private readonly opts: StatusSyncOptions) {
    this.executor = new StatusExecutor(opts.kc, opts.namespace, opts.log, opts.countWrite);
  }

  /** A new election: plan from it now. */
  elect(state: ElectedState): void {
    this.elected = state;
    this.schedule('now');
  }

  schedule(when: When): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.pacer.request(when);
  }

  stop(): void {
    this.stopped = true;
    this.pacer.cancel();
    clearTimeout(this.retryTimer);
  }

  private run(): void {
    if (this.stopped || this.running) return;
    this.running = true;
    void this.pass().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.schedule('paced');
      }
    });
  }

  private async pass(): Promise<void> {
    const elected = this.elected;
    if (!elected) return;
    const planStart = performance.now();
    const ownerships: Ownership[] = [];
    for (const svc of this.opts.services()) {
      const key = serviceKey(svc);
      const r = elected.results.get(key);
      if (r) ownerships.push({ serviceKey: key, owner: r.owner, interfaces: elected.interfacesOf(key) });
    }
    const existing = this.opts.statuses();
    this.written.catchUp(new Map(existing.map((o) => [o.metadata?.name ?? '', o.metadata?.resourceVersion ?? ''])));
    const ops = planStatusWrites(this.opts.nodeName, elected.alive, ownerships, existing).filter((op) => this.written.allows(op));
    const planMs = performance.now() - planStart;
    this.pacer.took(planMs);
    if (planMs > this.opts.slowPassMs) this.opts.log.warn('slowStatusPlan', 'planning ServiceL2Status writes held the main thread for long', { ms: Math.round(planMs), writes: ops.length });
    // Distinct objects (one per Service), so order between them does not matter.
    let conflicted = false;
    let failed = false;
    await eachBounded(ops, STATUS_WRITES_IN_FLIGHT, async (op) => {
      const r = await this.executor.apply(op);
      if (r.ok) this.written.record(op.name, op.kind, r.staleVersions);
      else if (r.conflict) conflicted = true;
      else failed = true;
    });
    // Failed writes are planned again on the next pass; make sure there is one.
    this.failures = failed ? this.failures + 1 : 0;
    if ((failed || conflicted) && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.schedule('now'), statusRetryDelay(failed ? 'failure' : 'conflict', this.failures));
    }
  }
}
