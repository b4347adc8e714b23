// The leader's pool side: which pool definitions the term's allocator serves (resolvePoolConfig
// over the pool caches), each IPAddressPool's status (counters, Ready condition, and the last
// valid spec that every replica reads after a leader change) and one Warning Event per distinct
// pool problem (tried again on a later pass if it could not be recorded). Every write is fenced by
// the term's CallOptions.
import type { EventSink } from '../shared/k8s/events.js';
import type { Logger } from '../shared/log.js';
import type { PoolChange } from './allocator/allocator.js';
import type { ControllerInformers } from './informers.js';
import type { ControllerMetrics } from './metrics.js';
import { resolvePoolConfig, type PoolConfig } from '../shared/api/pool-config.js';
import { desiredPoolStatus, poolStatusEqual } from './reconcile/pool-status.js';
import type { LeaderTerm } from './term.js';
import type { ControllerWriters } from './writers.js';

export interface PoolSyncDeps {
  readonly informers: ControllerInformers;
  readonly writers: ControllerWriters;
  readonly events: EventSink;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  readonly namespace: string;
  /** Asks for another status pass later (a pool's Warning could not be recorded: it is tried again then). */
  readonly retryLater: () => void;
}

/** What a pool status write asks of its caller: nothing, or to try again (soon, or after a while). */
export type PoolStatusOutcome = 'done' | 'again' | 'later';

export class PoolSync {
  constructor(private readonly d: PoolSyncDeps) {}

  /** Resolves the pools from the caches into the term's allocator; returns what that invalidated. */
  apply(term: LeaderTerm): PoolChange {
    const config = resolvePoolConfig([...this.d.informers.pools.list()], [...this.d.informers.legacyPools.list()], term.lastValid);
    term.poolConfig = config;
    term.lastValid = config.lastValid;
    this.d.metrics.configStale.set(config.rejected.length > 0 || config.verdicts.some((v) => !v.valid) ? 1 : 0);
    return term.allocator.setPools(config.pools, config.rejected);
  }

  /** Writes every IPAddressPool status that differs from the term's view. */
  async writeStatuses(term: LeaderTerm): Promise<PoolStatusOutcome> {
    const config = term.poolConfig;
    if (term.ended || !config) return 'done';
    if (!term.current) return 'later';
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    let result: PoolStatusOutcome = 'done';
    for (const verdict of config.verdicts) {
      const stats = term.allocator.stats(verdict.name);
      this.reportProblem(term, verdict);
      // MetalLB's legacy AddressPool has no status; its validity shows in Events and metrics.
      const obj = verdict.kind === 'IPAddressPool' ? this.d.informers.pools.get(verdict.name, this.d.namespace) : undefined;
      if (!obj) continue;
      const desired = desiredPoolStatus(verdict, stats, obj.status, now, obj.metadata?.generation, config.lastValidStatus.get(verdict.name));
      if (poolStatusEqual(obj.status, desired)) continue;
      const outcome = await this.d.writers.poolStatus(verdict.kind, obj, desired, term.call);
      if (term.ended) return 'done';
      if (outcome.kind === 'fenced') return 'later';
      this.d.metrics.apiWrites.inc({ verb: 'update', resource: 'ipaddresspools/status' });
      if (outcome.kind === 'conflict') result = result === 'later' ? 'later' : 'again';
      else if (outcome.kind === 'failed') {
        // Not left for the next pool or Service change, which may never come: try again.
        this.d.log.warn('poolStatusFailed', 'could not write pool status; trying again', { pool: verdict.name, error: outcome.error });
        result = 'later';
      }
    }
    return result;
  }

  private reportProblem(term: LeaderTerm, verdict: PoolConfig['verdicts'][number]): void {
    const key = `${verdict.kind}/${verdict.name}`;
    const problem = verdict.valid ? '' : [...verdict.errors, ...verdict.warnings].join('; ');
    if ((term.poolProblems.get(key) ?? '') === problem) return;
    term.poolProblems.set(key, problem);
    if (problem === '') return;
    this.d.log.warn('invalidPool', 'pool configuration is invalid', { pool: verdict.name, kind: verdict.kind, error: problem });
    const informer = verdict.kind === 'IPAddressPool' ? this.d.informers.pools : this.d.informers.legacyPools;
    const uid = informer.get(verdict.name, this.d.namespace)?.metadata?.uid;
    void this.d.events.event({ apiVersion: 'metallb.io/v1beta1', kind: verdict.kind, name: verdict.name, namespace: this.d.namespace, uid }, 'Warning', 'InvalidConfiguration', problem).then((outcome) => {
      if (outcome !== 'failed' && outcome !== 'rateLimited') return;
      // Not recorded: forgotten as reported, so a later pass of this term reports it again.
      if (term.ended || term.poolProblems.get(key) !== problem) return;
      term.poolProblems.delete(key);
      this.d.retryLater();
    });
  }
}
