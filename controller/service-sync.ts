// One Service key through the leader's term: decide (the pure reconcileService against the term's
// allocator), write the decision (fenced: refused unless the Lease is held at that instant, aborted
// on step-down), and report it. A write whose outcome is unknown keeps its addresses reserved for
// the Service until the watch shows what the server holds (in-doubt.ts).
// Refusals are judged twice: the Warning of a Service left waiting is emitted only if the Service's
// latest decision still carries it warningGraceMs later, so a transient the controller resolves by itself (a Service applied in the
// same `kubectl apply` as its pool, handled a moment before the pool) teaches nobody to ignore
// Warnings. Repeats over time are the Event recorder's business (aggregated, rate-limited); a
// waiting Service's Warning whose write failed or was rate-limited is tried again every few
// seconds for as long as it is still the Service's latest word, since nothing else may ever
// decide that Service again (a refused write, e.g. 403 while a restarted API server loads RBAC,
// or retries that ran out, would otherwise leave it without any Warning).
import type { V1Service } from '@kubernetes/client-node';
import { serviceAdvertisement, type ParsedL2Advertisement } from '../shared/api/advertisement.js';
import type { EventSink, EventTarget } from '../shared/k8s/events.js';
import type { Logger } from '../shared/log.js';
import type { ControllerInformers } from './informers.js';
import type { ControllerMetrics } from './metrics.js';
import { reconcileService, type ReconcileContext, type ServiceDecision } from './reconcile/service.js';
import type { LeaderTerm } from './term.js';
import { splitObjectKey } from '../shared/k8s/store.js';
import type { WorkResult } from './work-queue.js';
import type { ControllerWriters } from './writers.js';

export interface ServiceSyncDeps {
  readonly informers: ControllerInformers;
  readonly writers: ControllerWriters;
  readonly events: EventSink;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  readonly lbClass: string;
  readonly advertisements: () => readonly ParsedL2Advertisement[];
  /** Queues keys again (pending Services when addresses were freed). */
  readonly requeue: (key: string) => void;
  /** A Service status write took effect (pool status and counters follow). */
  readonly wrote: () => void;
  /** How long a Warning must persist before it is emitted (default 2 s). */
  readonly warningGraceMs?: number;
  /** After a failed or rate-limited Warning, how long until it is tried again (default 5 s, plus up to as much jitter). */
  readonly warningRetryMs?: number;
}

export const serviceKeyOf = (svc: V1Service): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;

export class ServiceSync {
  /** Service status writes that took effect, for the resync report. */
  statusWrites = 0;
  /** The Warnings of each Service's latest decision (type, reason, message joined). */
  private readonly warnings = new Map<string, Set<string>>();
  private readonly graceTimers = new Set<NodeJS.Timeout>();
  /** Bumped by reset(): retries scheduled in an ended term stop. */
  private generation = 0;

  constructor(private readonly d: ServiceSyncDeps) {}

  context(term: LeaderTerm, namespace = ''): ReconcileContext {
    const labelsOf = (ns: string): Record<string, string> => this.d.informers.namespaces.get(ns)?.metadata?.labels ?? {};
    return {
      poolsLoaded: true, // a term starts only after every informer proved its cache current
      lbClass: this.d.lbClass,
      namespaceLabels: labelsOf(namespace),
      namespaceLabelsOf: labelsOf,
      advertisement: (pool, serviceLabels) => {
        const p = term.allocator.pool(pool);
        return p === undefined ? 'poolNotAdvertised' : serviceAdvertisement(p, this.d.advertisements(), serviceLabels);
      },
    };
  }

  /** The cache changed for `key`: a doubtful write it settles frees its reservation. */
  settle(term: LeaderTerm, key: string, svc: V1Service | undefined): void {
    if (!term.inDoubt.settle(key, svc?.metadata?.resourceVersion)) return;
    if (term.allocator.unreserve(key)) for (const p of term.pending) this.d.requeue(p);
  }

  async reconcile(term: LeaderTerm, key: string): Promise<WorkResult> {
    // Ended: the next term reconciles everything from its own caches. Only lapsed (a renewal is
    // late but may still come): try again later, or the key would be lost if it does.
    if (!term.current) return term.ended ? 'done' : 'retry';
    const { namespace, name } = splitObjectKey(key);
    const svc = this.d.informers.services.get(name, namespace);
    this.settle(term, key, svc);
    const decision = reconcileService(key, svc, term.allocator, this.context(term, namespace));
    if (decision.pending) term.pending.add(key);
    else term.pending.delete(key);
    if (decision.retryPending) for (const p of term.pending) if (p !== key) this.d.requeue(p);

    if (decision.write && svc) {
      const outcome = await this.d.writers.serviceStatus(svc, decision.write, decision.write.removeAnnotations, term.call);
      if (term.ended) return 'done'; // not ours to finish: the next term decides
      if (outcome.kind === 'fenced') return 'retry';
      this.d.metrics.apiWrites.inc({ verb: 'update', resource: 'services/status' });
      if (outcome.kind === 'conflict') return 'retry'; // decided on a stale copy: decide again
      if (outcome.kind === 'failed') {
        this.d.metrics.updateErrors.inc();
        if (outcome.inDoubt) {
          const held = term.allocator.get(key);
          if (held) term.allocator.reserve(held);
          term.inDoubt.record(key, svc.metadata?.resourceVersion ?? '');
        }
        this.d.log.error('statusWriteFailed', 'could not write the Service status', { service: key, error: outcome.error, inDoubt: outcome.inDoubt });
        return 'retry';
      }
      if (outcome.kind === 'ok') {
        this.d.metrics.updates.inc();
        this.statusWrites++;
        // For audits of "exactly one writer": the answer's resourceVersion orders this write
        // against the Lease's versions (one etcd revision counter for both).
        this.d.log.debug('statusWritten', 'Service status written', { service: key, resourceVersion: outcome.resourceVersion, term: term.number });
      }
      this.d.wrote();
    }
    this.report(key, svc, decision);
    return 'done';
  }

  /** Drops what was kept for the term's Services (step-down). */
  reset(): void {
    this.generation++;
    for (const t of this.graceTimers) clearTimeout(t);
    this.graceTimers.clear();
    this.warnings.clear();
  }

  /** Logs and Events of a decision that took effect (a failed write reports on its retry). */
  private report(key: string, svc: V1Service | undefined, d: ServiceDecision): void {
    const log = this.d.log.child({ service: key });
    for (const l of d.logs) log[l.level](l.event, l.msg, { ...l.fields });
    const warnings = new Set(d.events.filter((e) => e.type === 'Warning').map((e) => `${e.reason}\u0000${e.message}`));
    if (!svc) {
      this.warnings.delete(key);
      return;
    }
    if (warnings.size > 0) this.warnings.set(key, warnings);
    else this.warnings.delete(key);
    const target: EventTarget = { apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', namespace: svc.metadata?.namespace, uid: svc.metadata?.uid };
    // One Event per distinct problem in one decision (the recorder aggregates repeats over time).
    const seen = new Set<string>();
    for (const e of d.events) {
      const k = `${e.reason}\u0000${e.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      // Only a refusal (the Service waits for an address) can be a transient that resolves itself.
      if (e.type !== 'Warning' || !d.pending) {
        void this.d.events.event(target, e.type, e.reason, e.message);
        continue;
      }
      // Judged again after the grace: still the Service's latest word, or it resolved itself.
      this.warnLater(key, k, target, e.reason, e.message, this.d.warningGraceMs ?? 2_000);
    }
  }

  /** Emits the Warning after `delayMs` if it is still current; again later if it could not be recorded. */
  private warnLater(key: string, k: string, target: EventTarget, reason: string, message: string, delayMs: number): void {
    const generation = this.generation;
    const timer = setTimeout(() => {
      this.graceTimers.delete(timer);
      if (!this.warnings.get(key)?.has(k)) return;
      void this.d.events.event(target, 'Warning', reason, message).then((outcome) => {
        if (outcome !== 'failed' && outcome !== 'rateLimited') return;
        if (generation !== this.generation) return; // the term ended: the next one judges again
        const retryMs = this.d.warningRetryMs ?? 5_000;
        this.warnLater(key, k, target, reason, message, retryMs + Math.random() * retryMs);
      });
    }, delayMs);
    this.graceTimers.add(timer);
  }
}
