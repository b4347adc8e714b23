// The controller's I/O shell. Informers feed a work queue of Service keys; each key is decided by
// the pure reconcileService against the in-memory allocator and the decision is written back. Only
// the leader holds an allocator and writes; on becoming leader it rebuilds the allocator from the
// Services' current status, adopting already-assigned Services first (resyncOrder), so a restart or
// a leader change never moves an address.
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { backoffDelay, type BackoffPolicy } from '../shared/k8s/backoff.js';
import type { KubeClient } from '../shared/k8s/client.js';
import { parseL2Advertisement, poolIsAdvertised, type ParsedL2Advertisement } from '../shared/api/advertisement.js';
import type { AddressPool, IPAddressPool } from '../shared/api/types.js';
import { EventRecorder, type EventTarget } from '../shared/k8s/events.js';
import type { InformerEvent } from '../shared/k8s/informer.js';
import { registerInformerMetrics } from '../shared/k8s/informer-metrics.js';
import type { Logger } from '../shared/log.js';
import { startMetricsServer } from '../shared/metrics/server.js';
import { Allocator, statusCount } from './allocator/allocator.js';
import { ensureHeartbeatSecret } from './heartbeat-secret.js';
import { allInformers, controllerInformers, type ControllerInformers } from './informers.js';
import { defaultElectorTiming, LeaseElector } from './leader/elector.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';
import { resolvePoolConfig, type LastValidPools, type PoolConfig } from './reconcile/pool-config.js';
import { desiredPoolStatus, poolStatusEqual } from './reconcile/pool-status.js';
import { adoptExisting, reconcileService, resyncOrder, type ReconcileContext, type ServiceDecision } from './reconcile/service.js';
import { WorkQueue, type WorkResult } from './work-queue.js';
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

export class Controller {
  readonly metrics: ControllerMetrics;
  private readonly informers: ControllerInformers;
  private readonly writers: ControllerWriters;
  private readonly events: EventRecorder;
  private readonly queue: WorkQueue;
  private readonly identity: string;
  private elector: LeaseElector | undefined;
  private server: Server | undefined;
  private allocator: Allocator | undefined;
  private poolConfig: PoolConfig | undefined;
  private lastValid: LastValidPools = new Map();
  private advertisements: ParsedL2Advertisement[] = [];
  private readonly pending = new Set<string>();
  /** Each pool's spec and labels as last seen, to tell a configuration change from a status write. */
  private readonly poolConfigs = new Map<string, string>();
  /** Last reported problem per pool, so an invalid pool gets one Event per change, not per resync. */
  private readonly poolProblems = new Map<string, string>();
  private leading = false;
  /** Bumped on every takeover, so a resync that drains after a step-down is not reported. */
  private term = 0;
  /** Service status writes that took effect, for the resync report. */
  private statusWrites = 0;
  private synced = false;
  private poolStatusTimer: NodeJS.Timeout | undefined;
  /** Consecutive failed pool status writes (for the retry backoff). */
  private poolStatusFailures = 0;
  private poolChangeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly cfg: ControllerConfig) {
    this.identity = cfg.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    this.metrics = createControllerMetrics();
    this.informers = controllerInformers(cfg.kc, cfg.namespace, cfg.log);
    registerInformerMetrics(this.metrics.registry, allInformers(this.informers));
    this.writers = new ControllerWriters(cfg.kc, cfg.namespace);
    this.events = new EventRecorder(cfg.kc, 'l2lb-controller', this.identity, cfg.log);
    this.queue = new WorkQueue((key) => this.reconcile(key), { concurrency: cfg.writeConcurrency ?? 8, backoff: { initialMs: 100, maxMs: 30_000 } });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Resolves when the queue is drained (for tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async start(): Promise<void> {
    const { log } = this.cfg;
    this.server = await startMetricsServer({
      port: this.cfg.metricsPort,
      host: this.cfg.metricsHost,
      registry: this.metrics.registry,
      healthy: () => ({ ok: true }),
      ready: () => (this.synced ? { ok: true } : { ok: false, reason: 'informers have not synced yet' }),
    });
    this.wireInformers();
    await Promise.all(allInformers(this.informers).map((i) => i.start()));
    this.synced = true;
    this.refreshAdvertisements();
    this.metrics.configLoaded.set(1);
    log.info('informersSynced', 'caches are filled', { services: this.informers.services.list().length, pools: this.informers.pools.list().length });
    if (!this.cfg.leaderElect) {
      await this.becomeLeader();
      return;
    }
    this.elector = new LeaseElector(
      this.cfg.kc,
      { namespace: this.cfg.namespace, name: LEASE_NAME, identity: this.identity, ...(this.cfg.electorTiming ?? defaultElectorTiming) },
      log,
      (leading) => void (leading ? this.becomeLeader() : this.stepDown()),
    );
    this.elector.start();
  }

  async stop(): Promise<void> {
    this.queue.stop();
    clearTimeout(this.poolStatusTimer);
    clearTimeout(this.poolChangeTimer);
    await this.elector?.stop();
    await Promise.all(allInformers(this.informers).map((i) => i.stop()));
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }

  // ---- leadership ---------------------------------------------------------------------------

  private async becomeLeader(): Promise<void> {
    const { log } = this.cfg;
    this.leading = true;
    this.metrics.leader.set(1);
    try {
      await ensureHeartbeatSecret(this.cfg.kc, this.cfg.namespace, this.cfg.heartbeatSecret, log);
    } catch (err) {
      log.error('heartbeatSecretFailed', 'could not ensure the speakers\' heartbeat Secret', { error: err instanceof Error ? err.message : String(err) });
    }
    if (!this.leading) return; // lost it while waiting
    const term = ++this.term;
    const started = performance.now();
    const writesBefore = this.statusWrites;
    this.allocator = new Allocator();
    this.applyPoolConfig();
    this.queue.resume();
    this.pending.clear();
    // Two phases: every valid existing assignment is adopted before any Service is reconciled, so
    // no reconcile (e.g. a PreferDualStack Service gaining its second family) can take an address
    // a not-yet-adopted Service holds.
    const services = resyncOrder(this.informers.services.list());
    const adopted = adoptExisting(services, this.allocator, this.context(this.allocator));
    log.info('resync', 'leading: adopted existing assignments, reconciling every Service', { services: services.length, adopted });
    for (const svc of services) this.queue.add(keyOf(svc));
    this.schedulePoolStatus();
    // How long a takeover takes to converge, and whether it changed anything: a converged cluster
    // must cost no writes (restart safety, and no write storm against the API server).
    void this.queue.idle().then(() => {
      if (this.term !== term || !this.leading) return;
      log.info('resyncDone', 'every Service reconciled after taking the lead', {
        services: services.length,
        adopted,
        writes: this.statusWrites - writesBefore,
        ms: Math.round(performance.now() - started),
      });
    });
  }

  private stepDown(): void {
    this.leading = false;
    this.metrics.leader.set(0);
    this.queue.clear();
    this.allocator = undefined;
  }

  // ---- informer events ----------------------------------------------------------------------

  private wireInformers(): void {
    const i = this.informers;
    i.services.on((_event, svc) => {
      if (this.leading) this.queue.add(keyOf(svc));
      this.metrics.queueDepth.set(this.queue.length);
    });
    i.namespaces.on((_event, ns) => {
      if (!this.leading) return;
      for (const svc of i.services.list(ns.metadata?.name)) this.queue.add(keyOf(svc));
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
  }

  private onPoolsChanged(): void {
    if (!this.leading || !this.allocator) return;
    const change = this.applyPoolConfig();
    for (const inv of change.invalidated) this.cfg.log.info('poolChanged', 'addresses no longer in any valid pool', { service: inv.key, reason: inv.reason });
    // Any Service may be affected (serviceAllocation, autoAssign, new space for pending ones).
    for (const svc of resyncOrder(this.informers.services.list())) this.queue.add(keyOf(svc));
    this.schedulePoolStatus();
  }

  private applyPoolConfig(): { invalidated: readonly { key: string; reason: string }[] } {
    const config = resolvePoolConfig(this.poolObjects(), this.legacyObjects(), this.lastValid);
    this.poolConfig = config;
    this.lastValid = config.lastValid;
    this.metrics.configStale.set(config.rejected.length > 0 || config.verdicts.some((v) => !v.valid) ? 1 : 0);
    return this.allocator!.setPools(config.pools, config.rejected);
  }

  private poolObjects(): IPAddressPool[] {
    return [...this.informers.pools.list()];
  }

  private legacyObjects(): AddressPool[] {
    return [...this.informers.legacyPools.list()];
  }

  // ---- one Service ----------------------------------------------------------------------------

  private async reconcile(key: string): Promise<WorkResult> {
    this.metrics.queueDepth.set(this.queue.length);
    const alloc = this.allocator;
    if (!this.leading || !alloc) return 'done';
    const slash = key.indexOf('/');
    const svc = this.informers.services.get(key.slice(slash + 1), key.slice(0, slash));
    const decision = reconcileService(key, svc, alloc, this.context(alloc, key.slice(0, slash)));
    if (decision.pending) this.pending.add(key);
    else this.pending.delete(key);
    if (decision.retryPending) for (const p of this.pending) if (p !== key) this.queue.add(p);

    if (decision.write && svc) {
      const outcome = await this.writers.serviceStatus(svc, decision.write, decision.write.removeAnnotations);
      this.metrics.apiWrites.inc({ verb: 'update', resource: 'services/status' });
      if (outcome.kind === 'conflict') return 'retry'; // decided on a stale copy: decide again
      if (outcome.kind === 'failed') {
        this.metrics.updateErrors.inc();
        this.cfg.log.error('statusWriteFailed', 'could not write the Service status', { service: key, error: outcome.error });
        return 'retry';
      }
      if (outcome.kind === 'ok') {
        this.metrics.updates.inc();
        this.statusWrites++;
      }
      this.schedulePoolStatus();
    }
    this.report(key, svc, decision);
    return 'done';
  }

  private context(alloc: Allocator, namespace = ''): ReconcileContext {
    const labelsOf = (ns: string): Record<string, string> => this.informers.namespaces.get(ns)?.metadata?.labels ?? {};
    return {
      poolsLoaded: true, // start() reconciles nothing before every informer has synced
      lbClass: this.cfg.lbClass,
      namespaceLabels: labelsOf(namespace),
      namespaceLabelsOf: labelsOf,
      poolAdvertised: (pool) => {
        const p = alloc.pool(pool);
        return p !== undefined && poolIsAdvertised(p, this.advertisements);
      },
    };
  }

  /** Logs and Events of a decision that took effect (a failed write reports on its retry). */
  private report(key: string, svc: V1Service | undefined, d: ServiceDecision): void {
    const log = this.cfg.log.child({ service: key });
    for (const l of d.logs) log[l.level](l.event, l.msg, { ...l.fields });
    if (!svc) return;
    const target: EventTarget = { apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', namespace: svc.metadata?.namespace, uid: svc.metadata?.uid };
    for (const e of d.events) void this.events.event(target, e.type, e.reason, e.message);
  }

  // ---- pool status and metrics ----------------------------------------------------------------

  private schedulePoolStatus(delayMs = POOL_STATUS_DELAY_MS): void {
    if (this.poolStatusTimer) return;
    this.poolStatusTimer = setTimeout(() => {
      this.poolStatusTimer = undefined;
      void this.writePoolStatuses();
    }, delayMs);
  }

  private async writePoolStatuses(): Promise<void> {
    const alloc = this.allocator;
    const config = this.poolConfig;
    if (!this.leading || !alloc || !config) return;
    const m = this.metrics;
    for (const g of [m.addressesTotal, m.addressesInUse, m.familyAddressesTotal, m.familyAddressesInUse]) g.reset();
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const verdict of config.verdicts) {
      const stats = alloc.stats(verdict.name);
      if (stats) {
        const used = stats.assignedIPv4 + stats.assignedIPv6;
        m.addressesInUse.set({ pool: verdict.name }, Number(used));
        m.addressesTotal.set({ pool: verdict.name }, Number(used + stats.availableIPv4 + stats.availableIPv6));
        m.familyAddressesInUse.set({ pool: verdict.name, family: 'ipv4' }, statusCount(stats.assignedIPv4));
        m.familyAddressesInUse.set({ pool: verdict.name, family: 'ipv6' }, statusCount(stats.assignedIPv6));
        m.familyAddressesTotal.set({ pool: verdict.name, family: 'ipv4' }, Number(stats.assignedIPv4 + stats.availableIPv4));
        m.familyAddressesTotal.set({ pool: verdict.name, family: 'ipv6' }, Number(stats.assignedIPv6 + stats.availableIPv6));
      }
      this.reportPoolProblem(verdict);
      // MetalLB's legacy AddressPool has no status; its validity shows in Events and metrics.
      const obj = verdict.kind === 'IPAddressPool' ? this.informers.pools.get(verdict.name, this.cfg.namespace) : undefined;
      if (!obj) continue;
      const desired = desiredPoolStatus(verdict, stats, obj.status, now, obj.metadata?.generation);
      if (poolStatusEqual(obj.status, desired)) continue;
      const outcome = await this.writers.poolStatus(verdict.kind, obj, desired);
      m.apiWrites.inc({ verb: 'update', resource: 'ipaddresspools/status' });
      if (outcome.kind === 'conflict') this.schedulePoolStatus();
      else if (outcome.kind === 'failed') {
        // Not left for the next pool or Service change, which may never come: try again.
        const retryInMs = backoffDelay(POOL_STATUS_RETRY, this.poolStatusFailures++, Math.random());
        this.cfg.log.warn('poolStatusFailed', 'could not write pool status; trying again', { pool: verdict.name, error: outcome.error, retryInMs });
        this.schedulePoolStatus(retryInMs);
      } else this.poolStatusFailures = 0;
    }
  }

  private reportPoolProblem(verdict: PoolConfig['verdicts'][number]): void {
    const key = `${verdict.kind}/${verdict.name}`;
    const problem = verdict.valid ? '' : [...verdict.errors, ...verdict.warnings].join('; ');
    if ((this.poolProblems.get(key) ?? '') === problem) return;
    this.poolProblems.set(key, problem);
    if (problem === '') return;
    this.cfg.log.warn('invalidPool', 'pool configuration is invalid', { pool: verdict.name, kind: verdict.kind, error: problem });
    const informer = verdict.kind === 'IPAddressPool' ? this.informers.pools : this.informers.legacyPools;
    const uid = informer.get(verdict.name, this.cfg.namespace)?.metadata?.uid;
    void this.events.event({ apiVersion: 'metallb.io/v1beta1', kind: verdict.kind, name: verdict.name, namespace: this.cfg.namespace, uid }, 'Warning', 'InvalidConfiguration', problem);
  }
}

const keyOf = (svc: V1Service): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
