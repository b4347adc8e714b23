// The controller's I/O shell. Informers feed a work queue of Service keys; each key is decided by
// the pure reconcileService against the leader term's allocator and the decision is written back.
// Only the leader writes, and only while its Lease is held at the instant of writing (fencing, see
// leader/elector.ts and term.ts). On becoming leader a replica first proves its caches current (a
// fresh list of every informer after the acquisition), then builds a new term: the allocator from
// the Services' current status, adopting already-assigned Services first (resyncOrder), so a
// restart or a leader change never moves an address. Stepping down ends the term and drops
// everything derived in it. During a term, a failing informer (watch cut, list refused) holds the
// work queue and the pool status writes: nothing is decided from a cache that may lag the server
// until every informer follows it again (relisted, or its watch resumed); then the pools are
// re-read and every Service is judged again.
import type { KubernetesObject } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { backoffDelay, type BackoffPolicy } from '../shared/k8s/backoff.js';
import type { KubeClient } from '../shared/k8s/client.js';
import { parseL2Advertisement, type ParsedL2Advertisement } from '../shared/api/advertisement.js';
import { EventRecorder } from '../shared/k8s/events.js';
import type { InformerEvent } from '../shared/k8s/informer.js';
import { registerInformerMetrics } from '../shared/k8s/informer-metrics.js';
import type { PodRef } from '../shared/config-state/status.js';
import type { Logger } from '../shared/log.js';
import { startMetricsServer, type MetricsServer, type Probe } from '../shared/metrics/server.js';
import { ensureHeartbeatSecret } from './heartbeat-secret.js';
import { allInformers, controllerInformers, type ControllerInformers } from './informers.js';
import { defaultElectorTiming, LeaseElector } from './leader/elector.js';
import { recordPoolMetrics } from './pool-metrics.js';
import { createControllerMetrics, registerRequestMetrics, type ControllerMetrics } from './metrics.js';
import { PoolSync } from './pool-sync.js';
import { adoptExisting, resyncOrder } from './reconcile/service.js';
import { serviceKeyOf, ServiceSync } from './service-sync.js';
import { LeaderTerm } from './term.js';
import { WorkQueue } from './work-queue.js';
import { ControllerConfigState } from './config-state.js';
import { ControllerWriters } from './writers.js';

export interface ControllerConfig {
  /** The API client (shared/k8s/client.ts: one keep-alive connection pool for every call). */
  readonly kc: KubeClient;
  readonly namespace: string;
  readonly lbClass: string;
  readonly metricsPort: number;
  readonly metricsHost?: string;
  readonly leaderElect: boolean;
  readonly heartbeatSecret: string;
  /** The replica's Pod (downward API): owner of the ConfigurationState while it leads. */
  readonly pod?: PodRef | undefined;
  readonly log: Logger;
  readonly identity?: string;
  /** Status writes in flight at once (different Services). */
  readonly writeConcurrency?: number;
  readonly electorTiming?: typeof defaultElectorTiming;
}

const LEASE_NAME = 'l2lb-controller';
const POOL_STATUS_DELAY_MS = 300;
/** After failed pool status writes (API server unreachable): backing off, so the log does not flood. */
const POOL_STATUS_RETRY: BackoffPolicy = { initialMs: 2_000, maxMs: 60_000 };
const POOL_CHANGE_DELAY_MS = 20;
/** A pool's Warning that could not be recorded is tried again after this long. */
const POOL_WARNING_RETRY_MS = 5_000;

export class Controller {
  readonly metrics: ControllerMetrics;
  private readonly informers: ControllerInformers;
  private readonly events: EventRecorder;
  private readonly queue: WorkQueue;
  private readonly services: ServiceSync;
  private readonly pools: PoolSync;
  private readonly configState: ControllerConfigState;
  private readonly identity: string;
  private elector: LeaseElector | undefined;
  private server: MetricsServer | undefined;
  private advertisements: ParsedL2Advertisement[] = [];
  /** Each pool's spec and labels as last seen, to tell a configuration change from a status write. */
  private readonly poolConfigs = new Map<string, string>();
  /** Leading (the elector says so); the term exists only once caches are proven current. */
  private leading = false;
  private term: LeaderTerm | undefined;
  private terms = 0;
  private synced = false;
  private poolStatusTimer: NodeJS.Timeout | undefined;
  /** Consecutive failed pool status writes (for the retry backoff). */
  private poolStatusFailures = 0;
  private poolChangeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly cfg: ControllerConfig) {
    this.identity = cfg.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    // The pool gauges are read from the leader's allocator at scrape time; a standby shows none.
    this.metrics = createControllerMetrics((m) => {
      const t = this.term;
      const config = t?.current === true ? t.poolConfig : undefined;
      recordPoolMetrics(m, config?.verdicts.map((v) => v.name) ?? [], t?.allocator);
    });
    this.informers = controllerInformers(cfg.kc, cfg.namespace, cfg.log);
    registerInformerMetrics(this.metrics.registry, allInformers(this.informers));
    const writers = new ControllerWriters(cfg.kc, cfg.namespace);
    this.events = new EventRecorder(cfg.kc, 'l2lb-controller', this.identity, cfg.log, { call: () => this.term?.call ?? { guard: () => { throw new Error('not leading'); } } });
    this.queue = new WorkQueue((key) => (this.term ? this.services.reconcile(this.term, key) : Promise.resolve('done')), {
      concurrency: cfg.writeConcurrency ?? 8,
      backoff: { initialMs: 100, maxMs: 30_000 },
    });
    registerRequestMetrics(this.metrics.registry, { requestsSent: cfg.kc.requestsSent, events: this.events.stats });
    const common = { informers: this.informers, writers, events: this.events, metrics: this.metrics, log: cfg.log };
    this.services = new ServiceSync({
      ...common,
      lbClass: cfg.lbClass,
      advertisements: () => this.advertisements,
      requeue: (key) => this.queue.add(key),
      wrote: () => this.schedulePoolStatus(),
    });
    this.pools = new PoolSync({ ...common, namespace: cfg.namespace, retryLater: () => this.schedulePoolStatus(POOL_WARNING_RETRY_MS) });
    this.configState = new ControllerConfigState({ kc: cfg.kc, namespace: cfg.namespace, pod: cfg.pod, log: cfg.log, informers: this.informers, countWrite: (verb, resource) => this.metrics.apiWrites.inc({ verb, resource }), poolVerdicts: () => this.term?.poolConfig?.verdicts });
  }

  get isLeader(): boolean {
    return this.term?.current ?? false;
  }

  /** Resolves when the queue is drained (for tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async start(): Promise<void> {
    const { log } = this.cfg;
    const ready: Probe = () => (this.synced ? { ok: true } : { ok: false, reason: 'informers have not synced yet' });
    this.server = await startMetricsServer({ port: this.cfg.metricsPort, host: this.cfg.metricsHost, registry: this.metrics.registry, ready });
    this.wireInformers();
    for (const i of allInformers(this.informers)) i.onHealth(() => this.onCacheHealth());
    await Promise.all(allInformers(this.informers).map((i) => i.start()));
    this.synced = true;
    this.refreshAdvertisements();
    this.metrics.configLoaded.set(1);
    log.info('informersSynced', 'caches are filled', { services: this.informers.services.list().length, pools: this.informers.pools.list().length });
    if (!this.cfg.leaderElect) {
      this.leading = true;
      await this.becomeLeader();
      return;
    }
    const elector = new LeaseElector(
      this.cfg.kc,
      { namespace: this.cfg.namespace, name: LEASE_NAME, identity: this.identity, ...(this.cfg.electorTiming ?? defaultElectorTiming) },
      log,
      (leading) => {
        this.leading = leading;
        if (leading) void this.becomeLeader();
        else this.stepDown();
      },
    );
    this.elector = elector;
    elector.start();
  }

  async stop(): Promise<void> {
    this.queue.stop();
    clearTimeout(this.poolStatusTimer);
    clearTimeout(this.poolChangeTimer);
    if (this.term?.current) await this.configState.remove();
    await this.elector?.stop();
    this.stepDown();
    await Promise.all(allInformers(this.informers).map((i) => i.stop()));
    await this.server?.close();
  }

  // ---- leadership ---------------------------------------------------------------------------

  private holdsLease = (): boolean => (this.elector ? this.elector.holdsLease() : this.leading);

  private async becomeLeader(): Promise<void> {
    const { log } = this.cfg;
    const number = ++this.terms;
    const stillLeading = (): boolean => this.leading && this.terms === number;
    // Prove every cache current before deciding anything: a list that started after the
    // acquisition. A cache that missed changes while standing by (a watch cut, or 403s while the
    // API server's RBAC loads after a restart) would otherwise be judged as the truth.
    const started = performance.now();
    const listed = await Promise.all(allInformers(this.informers).map((i) => i.relistNow()));
    if (!stillLeading() || listed.includes(false)) return;
    log.info('cachesCurrent', 'every cache listed after taking the lead', { ms: Math.round(performance.now() - started) });
    const term = new LeaderTerm(number, this.holdsLease);
    this.term = term;
    this.metrics.leader.set(1);
    try {
      await ensureHeartbeatSecret(this.cfg.kc, this.cfg.namespace, this.cfg.heartbeatSecret, log, term.call);
    } catch (err) {
      log.error('heartbeatSecretFailed', 'could not ensure the speakers\' heartbeat Secret', { error: err instanceof Error ? err.message : String(err) });
    }
    if (!term.current) return; // lost it while waiting
    const writesBefore = this.services.statusWrites;
    this.pools.apply(term);
    this.configState.lead();
    this.queue.resume();
    // Two phases: every valid existing assignment is adopted before any Service is reconciled, so
    // no reconcile (e.g. a PreferDualStack Service gaining its second family) can take an address
    // a not-yet-adopted Service holds.
    const services = resyncOrder(this.informers.services.list());
    const adopted = adoptExisting(services, term.allocator, this.services.context(term));
    log.info('resync', 'leading: adopted existing assignments, reconciling every Service', { services: services.length, adopted, term: number });
    for (const svc of services) this.queue.add(serviceKeyOf(svc));
    this.schedulePoolStatus();
    // How long a takeover takes to converge, and whether it changed anything: a converged cluster
    // must cost no writes (restart safety, and no write storm against the API server).
    // An idle queue while the term has lapsed for a moment (a renewal late, the step-down timer
    // not run yet) is no report either way: look again shortly, for as long as the term lasts.
    // Reporting only at the first idle lost the report for good when that moment was a lapse.
    const reportWhenDone = (): void => {
      void this.queue.idle().then(() => {
        if (this.term !== term || term.ended) return;
        if (!term.current) {
          setTimeout(reportWhenDone, 200);
          return;
        }
        log.info('resyncDone', 'every Service reconciled after taking the lead', {
          services: services.length,
          adopted,
          writes: this.services.statusWrites - writesBefore,
          ms: Math.round(performance.now() - started),
        });
      });
    };
    reportWhenDone();
  }

  /** Ends the term: in-flight writes are aborted, and everything derived in it is dropped. */
  private stepDown(): void {
    this.metrics.leader.set(0);
    this.queue.clear();
    this.term?.end();
    this.term = undefined;
    this.configState.stepDown();
    this.services.reset();
  }

  // ---- cache health ---------------------------------------------------------------------------

  private cachesHealthy(): boolean {
    return allInformers(this.informers).every((i) => i.healthy);
  }

  /** An informer's health changed: hold every decision while any cache may lag the server. */
  private onCacheHealth(): void {
    if (!this.synced) return; // start() waits for the first lists anyway
    const healthy = this.cachesHealthy();
    if (healthy !== this.queue.held) return;
    if (!healthy) {
      this.queue.hold();
      const failing = allInformers(this.informers).filter((i) => !i.healthy).map((i) => i.source.name);
      this.cfg.log.warn('cachesUnhealthy', 'an informer is failing: deciding nothing until its cache follows the server again', { informers: failing });
      return;
    }
    this.cfg.log.info('cachesHealthy', 'every informer follows the server again: judging every Service');
    // Pools first (a pool change seen in the relist may still sit behind its debounce timer).
    clearTimeout(this.poolChangeTimer);
    this.onPoolsChanged();
    this.queue.release();
  }

  // ---- informer events ----------------------------------------------------------------------

  private wireInformers(): void {
    const i = this.informers;
    i.services.on((event, svc) => {
      const key = serviceKeyOf(svc);
      if (this.term) {
        this.services.settle(this.term, key, event === 'delete' ? undefined : svc);
        this.queue.add(key);
      }
      this.metrics.queueDepth.set(this.queue.length);
    });
    i.namespaces.on((_event, ns) => {
      if (!this.term) return;
      for (const svc of i.services.list(ns.metadata?.name)) this.queue.add(serviceKeyOf(svc));
    });
    const poolsChanged = (kind: string) => (event: InformerEvent, pool: KubernetesObject & { spec?: unknown }): void => {
      // A pool's configuration is its spec and labels (L2Advertisements select pools by label).
      // Its status is l2lb's own output: the pool status writes come back as updates, and
      // reconciling every Service for each of them would loop, costing O(Services) per write.
      const key = `${kind}/${pool.metadata?.name ?? ''}`;
      const config = event === 'delete' ? undefined : JSON.stringify([pool.metadata?.labels ?? {}, pool.spec ?? {}]);
      if (event === 'update' && this.poolConfigs.get(key) === config) return;
      if (config === undefined) this.poolConfigs.delete(key);
      else this.poolConfigs.set(key, config);
      clearTimeout(this.poolChangeTimer);
      this.poolChangeTimer = setTimeout(() => this.onPoolsChanged(), POOL_CHANGE_DELAY_MS);
    };
    i.pools.on(poolsChanged('IPAddressPool'));
    i.legacyPools.on(poolsChanged('AddressPool'));
    i.advertisements.on(() => this.refreshAdvertisements());
  }

  private refreshAdvertisements(): void {
    this.advertisements = this.informers.advertisements.list().flatMap((a) => {
      const v = parseL2Advertisement(a);
      return v.ok ? [v.value] : [];
    });
    this.configState.report();
  }

  private onPoolsChanged(): void {
    const term = this.term;
    if (!term?.current) return;
    const change = this.pools.apply(term);
    this.configState.report();
    for (const inv of change.invalidated) this.cfg.log.info('poolChanged', 'addresses no longer in any valid pool', { service: inv.key, reason: inv.reason });
    // Any Service may be affected (serviceAllocation, autoAssign, new space for pending ones).
    for (const svc of resyncOrder(this.informers.services.list())) this.queue.add(serviceKeyOf(svc));
    this.schedulePoolStatus();
  }

  // ---- pool status ----------------------------------------------------------------------------

  private schedulePoolStatus(delayMs = POOL_STATUS_DELAY_MS): void {
    if (this.poolStatusTimer) return;
    this.poolStatusTimer = setTimeout(() => {
      this.poolStatusTimer = undefined;
      const term = this.term;
      if (!term) return;
      if (!this.cachesHealthy()) return void this.schedulePoolStatus(backoffDelay(POOL_STATUS_RETRY, 0, Math.random()));
      void this.pools.writeStatuses(term).then((outcome) => {
        if (outcome === 'later') this.schedulePoolStatus(backoffDelay(POOL_STATUS_RETRY, this.poolStatusFailures++, Math.random()));
        else this.poolStatusFailures = 0;
        if (outcome === 'again') this.schedulePoolStatus();
      });
    }, delayMs);
  }
}
