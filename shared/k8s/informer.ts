// An informer that keeps going: list (in pages), then watch from the list's resourceVersion,
// keeping a cache and telling handlers what changed, until stop().
//
// How it treats the API server, as client-go's reflector does (a thousand speakers must not turn
// an API-server blip into a thousand quorum reads of every Service and EndpointSlice):
// - The first list reads from the API server's watch cache (resourceVersion=0); every later list
//   asks for a version not older than the last one seen (also served by the cache); only when the
//   cache cannot serve that does it fall back to a quorum read from etcd.
// - A watch the server ends, or one broken by the network, an overloaded (429) or unavailable
//   (5xx) server, is resumed from the last resourceVersion, after backoff and at least the
//   server's Retry-After. Only an expired resourceVersion (410 Gone) or another error answer
//   (403, 404, ...) lists again; the relist is diffed against the cache so handlers hear of
//   objects deleted meanwhile.
// - A watch silent past its read-idle watchdog (no bookmark for a few minutes: a dead connection
//   nobody reset) is abandoned and resumed on a new connection.
// - Errors before the first sync are logged, each distinct one once, with the resource, the HTTP
//   status and, for a 403, the permission to grant; the caller is still waiting in start().
// - A handler that throws is logged and counted; the informer carries on with the next handler
//   and event. The handler's bug is not the stream's fault, so it causes no relist.
// - relistNow() is the exception to reading from the cache: a consistent list (resourceVersion
//   ""), started after the call, so a caller (a controller that just took the lead) can prove its
//   cache current; healthy says whether the informer has listed and not failed since.
import type { KubernetesObject } from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { describePermission } from './access.js';
import { apiStatus } from './api-error.js';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
import { describeApiError, type KubeClient } from './client.js';
import { listAll, MalformedResponseError } from './list.js';
import { retryPlan, listFrom } from './retry-plan.js';
import { ObjectStore, type Change, type InformerEvent } from './store.js';
import { defaultWatchIdleTimeoutMs, watchOnce, type WatchEvent } from './watch.js';

export type { InformerEvent } from './store.js';

/** Custom objects arrive as plain JSON; the informer's cache needs the KubernetesObject shape too. */
export type Typed<T> = KubernetesObject & T;

export type InformerHandler<T> = (event: InformerEvent, obj: T) => void;

export interface InformerSource {
  /** Name for logs and metrics, e.g. "services". */
  readonly name: string;
  /** Collection path, e.g. /api/v1/services or /apis/metallb.io/v1beta1/namespaces/x/ipaddresspools. */
  readonly path: string;
  readonly labelSelector?: string;
  /** e.g. metadata.name=x: RBAC resourceNames allow list/watch only with this selector. */
  readonly fieldSelector?: string;
}

export interface InformerOptions<T = KubernetesObject> {
  readonly backoff?: BackoffPolicy;
  /**
   * Applied to every object before it is cached or handed to handlers (client-go's
   * SetTransform): a program keeps only the fields it reads of objects it holds thousands of.
   * Must keep metadata.name, namespace and resourceVersion.
   */
  readonly transform?: (obj: T) => T;
  /** The server-side timeout of each watch, in seconds. */
  readonly watchTimeoutSeconds?: () => number;
  /** Read-idle watchdog of each watch: resume on a new connection after this long without a byte. */
  readonly watchIdleTimeoutMs?: number;
  readonly pageSize?: number;
}

/**
 * Random in [5, 10) minutes, as client-go's reflector: informers started together do not all
 * re-watch at the same moment, and a connection gets re-established now and then.
 */
/** A watch that ends sooner than this without an event did not really work. */
const minWatchMs = 1000;

export const randomWatchTimeoutSeconds = (): number => 300 + Math.floor(Math.random() * 300);

/** Counts for metrics: how often an informer had to recover, and from what. */
export interface InformerStats {
  /** Failed lists or watches after the first sync. */
  readonly restarts: number;
  /** Lists after the first one. */
  readonly relists: number;
  /** Watches abandoned by the read-idle watchdog. */
  readonly stalls: number;
  /** Exceptions thrown by handlers. */
  readonly handlerErrors: number;
}

/** What a program needs to start, stop and probe a set of informers of different kinds. */
export interface InformerLifecycle extends InformerStats {
  readonly source: { readonly name: string };
  readonly hasSynced: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** An informer whose caller can demand proof that its cache is current. */
export interface CurrentInformer extends InformerLifecycle {
  /**
   * Listed, and its last list or watch did not fail: the cache follows the server (false while it
   * retries). A watch resumed after a failure counts again once the server accepted it, since it
   * replays everything after the last version seen.
   */
  readonly healthy: boolean;
  /** Called whenever `healthy` changes. */
  onHealth(listener: (healthy: boolean) => void): void;
  /**
   * Lists again now, consistently (ending the current watch or backoff wait), and resolves true
   * once a list that started after this call succeeded (false if stopped first): a proof that the
   * cache is current as of the call, which a watch alone cannot give (it may lag or be cut).
   */
  relistNow(): Promise<boolean>;
}

/** Distinct errors remembered before the first sync (each is logged once); more are not logged. */
const maxDistinctErrors = 20;

export class RestartingInformer<T extends KubernetesObject> implements CurrentInformer {
  private readonly store = new ObjectStore<T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly backoff: BackoffPolicy;
  private readonly watchTimeoutSeconds: () => number;
  private attempt = 0;
  private lists = 0;
  private synced = false;
  /** Errors already logged while waiting for the first sync. */
  private readonly reported = new Set<string>();
  private failing = false;
  private readonly healthListeners: ((healthy: boolean) => void)[] = [];
  private abort: AbortController | undefined;
  /** Ends the current watch or backoff wait for relistNow(). */
  private kick: AbortController | undefined;
  private relistRequested = false;
  /** relistNow() callers waiting for a list that starts after their call. */
  private relistWaiters: ((listed: boolean) => void)[] = [];
  private loop: Promise<void> | undefined;
  /** start() calls waiting for the first sync (or stop()). */
  private waiting: (() => void)[] = [];
  restarts = 0;
  stalls = 0;
  handlerErrors = 0;

  constructor(
    private readonly client: KubeClient,
    readonly source: InformerSource,
    private readonly log: Logger,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.backoff = opts.backoff ?? defaultBackoff;
    this.watchTimeoutSeconds = opts.watchTimeoutSeconds ?? randomWatchTimeoutSeconds;
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Resolves after the first successful list (retrying with backoff until then), or on stop(). */
  async start(): Promise<void> {
    if (!this.loop) {
      const abort = (this.abort = new AbortController());
      this.loop = this.run(abort.signal).finally(() => (this.loop = undefined));
    }
    if (this.synced) return;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get healthy(): boolean {
    return this.synced && !this.failing;
  }

  onHealth(listener: (healthy: boolean) => void): void {
    this.healthListeners.push(listener);
  }

  /** Sets whether the informer is failing, telling the health listeners of a change. */
  private setFailing(failing: boolean): void {
    const was = this.healthy;
    this.failing = failing;
    if (this.healthy === was) return;
    for (const l of this.healthListeners) l(this.healthy);
  }

  relistNow(): Promise<boolean> {
    if (!this.loop) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.relistWaiters.push(resolve);
      this.relistRequested = true;
      this.kick?.abort();
    });
  }

  list(namespace?: string): readonly T[] {
    return this.store.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.store.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    this.release();
    await this.loop;
    for (const w of this.relistWaiters.splice(0)) w(false);
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }

  get relists(): number {
    return Math.max(0, this.lists - 1);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { name, path, labelSelector, fieldSelector } = this.source;
    /** The last resourceVersion seen (list, event or bookmark): where a watch resumes. */
    let resourceVersion: string | undefined;
    let mustList = true;
    /** Why the last list failed, if it did: decides where the next one reads from. */
    let listError: unknown;
    while (!signal.aborted) {
      const kick = (this.kick = new AbortController());
      const ended = AbortSignal.any([signal, kick.signal]);
      if (this.relistRequested) mustList = true;
      /** When the server accepted the current watch, and what it delivered since. */
      let openedAt: number | undefined;
      let events = 0;
      // A watch that delivered events or stayed open a while worked: whatever failed before is
      // over, and the next failure backs off from scratch. One that ends at once keeps backing off.
      const watchWorked = (): boolean => openedAt !== undefined && (events > 0 || performance.now() - openedAt >= minWatchMs);
      let listing = false;
      try {
        let fresh = false;
        if (mustList) {
          listing = true;
          resourceVersion = await this.relist(resourceVersion, listError, this.relistRequested);
          listing = false;
          listError = undefined;
          mustList = false;
          fresh = true;
        }
        const end = await watchOnce(
          this.client,
          path,
          { resourceVersion: resourceVersion!, timeoutSeconds: this.watchTimeoutSeconds(), labelSelector, fieldSelector, idleTimeoutMs: this.opts.watchIdleTimeoutMs ?? defaultWatchIdleTimeoutMs },
          (e) => {
            resourceVersion = this.apply(e) ?? resourceVersion;
            fresh = false;
            events++;
          },
          ended,
          () => {
            openedAt = performance.now();
            this.setFailing(false);
          },
        );
        if (watchWorked()) this.attempt = 0;
        if (kick.signal.aborted) continue; // relistNow(): list at once
        if (end === 'expired') {
          mustList = true;
          // Expired straight after a list (a lagging server): list again, but not in a tight loop.
          if (fresh) await sleep(this.nextDelay(), undefined, { signal: ended }).catch(() => undefined);
        } else if (end === 'stalled') {
          this.stalls++;
          this.log.warn('watchStalled', `${name} watch was silent past its watchdog; watching again on a new connection`, { informer: name, resourceVersion });
        } else if (!watchWorked()) {
          // Closed at once with nothing in it (a proxy cutting streams short): not in a tight loop either.
          await sleep(this.nextDelay(), undefined, { signal: ended }).catch(() => undefined);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (kick.signal.aborted && !listing) continue; // relistNow() ended the watch
        this.setFailing(true);
        if (watchWorked()) this.attempt = 0;
        let minDelayMs = 0;
        if (listing) {
          listError = err;
          minDelayMs = retryPlan(err).minDelayMs;
        } else {
          const plan = retryPlan(err);
          mustList = plan.relist;
          minDelayMs = plan.minDelayMs;
        }
        const delay = Math.max(this.nextDelay(), minDelayMs);
        this.report(err, listing ? 'list' : 'watch', delay, mustList);
        try {
          await sleep(delay, undefined, { signal: ended });
        } catch {
          if (signal.aborted) break; // stopped while waiting; relistNow() cuts the wait short
        }
        if (this.synced) this.restarts++;
      }
    }
  }

  /**
   * After the first sync every failure is logged. Before it, the callers are still waiting in
   * start() and the same error tends to repeat every backoff (a missing RBAC permission until
   * someone grants it): each distinct one is logged once, saying what is missing.
   */
  private report(err: unknown, verb: 'list' | 'watch', retryInMs: number, relist: boolean): void {
    const { name, path } = this.source;
    const status = apiStatus(err);
    const fields = { informer: name, verb, path, ...(status === undefined ? {} : { status }), error: describeApiError(err), retryInMs };
    if (this.synced) {
      this.log.warn('informerError', `${name} ${verb} failed; ${relist ? 'listing again' : 'resuming the watch'}`, { ...fields, relist });
      return;
    }
    const key = `${verb} ${fields.error}`;
    if (this.reported.has(key) || this.reported.size >= maxDistinctErrors) return;
    this.reported.add(key);
    const permission = describePermission(verb, path);
    const msg =
      status === 403
        ? `${name} cannot sync: forbidden to ${permission}; grant it to this program's ServiceAccount (RBAC). Retrying until then`
        : `${name} cannot sync: ${verb} failed${status === undefined ? '' : ` with HTTP ${status}`}; retrying`;
    this.log.warn('informerNotSynced', msg, { ...fields, ...(status === 403 ? { missingPermission: permission } : {}) });
  }

  /** Lists everything, replaces the cache, tells handlers the differences; returns the list's resourceVersion. */
  private async relist(lastSeen: string | undefined, previousError: unknown, consistent: boolean): Promise<string> {
    const { name, path, labelSelector, fieldSelector } = this.source;
    // relistNow(): a consistent read, not whatever the watch cache has.
    const from = consistent ? { resourceVersion: '' as const } : listFrom(lastSeen, previousError);
    // Callers of relistNow() before this list started are answered by it (or by the next, if it fails).
    const waiters = this.relistWaiters.splice(0);
    this.relistRequested = false;
    let listed: { items: T[]; resourceVersion: string };
    try {
      listed = await listAll<T>(this.client, path, { labelSelector, fieldSelector, limit: this.opts.pageSize, ...from });
    } catch (err) {
      this.relistWaiters.unshift(...waiters);
      if (waiters.length > 0) this.relistRequested = true;
      throw err;
    }
    const { items, resourceVersion } = listed;
    // Every list after the first is a relist: the watch expired (410 Gone) or failed. Logged,
    // since it is otherwise invisible.
    if (++this.lists > 1) this.log.info('informerRelisted', `${name} listed again`, { informer: name, items: items.length, resourceVersion, from: from.resourceVersion === '' ? 'etcd' : 'watch cache' });
    const { transform } = this.opts;
    this.dispatch(this.store.replace(transform ? items.map(transform) : items));
    for (const w of waiters) w(true);
    if (!this.synced) {
      this.synced = true;
      this.attempt = 0;
      this.log.debug('informerSynced', `${name} listed`, { informer: name });
      this.release();
    }
    this.setFailing(false);
    return resourceVersion;
  }

  /** One watch event into the cache and out to the handlers; returns the resourceVersion it brings. */
  private apply(e: WatchEvent): string | undefined {
    const raw = e.object as T;
    if (typeof raw !== 'object' || raw === null || typeof raw.metadata !== 'object') throw new MalformedResponseError(`${this.source.name}: ${e.type} event without an object`);
    const rv = raw.metadata.resourceVersion;
    if (e.type === 'BOOKMARK') return rv; // only news of how far the watch got
    const obj = this.opts.transform ? this.opts.transform(raw) : raw;
    switch (e.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.dispatch([this.store.upsert(obj)]);
        return rv;
      case 'DELETED':
        this.dispatch([this.store.remove(obj)]);
        return rv;
      default:
        return undefined;
    }
  }

  private dispatch(changes: readonly Change<T>[]): void {
    for (const c of changes) {
      for (const h of this.handlers) {
        try {
          h(c.event, c.obj);
        } catch (err) {
          this.handlerErrors++;
          const { name, namespace } = c.obj.metadata ?? {};
          this.log.error('informerHandlerFailed', `a ${this.source.name} handler threw; carrying on with the next`, { informer: this.source.name, change: c.event, object: namespace ? `${namespace}/${name}` : name, error: err instanceof Error ? err.message : String(err) });
        }
      }
    }
  }

  private nextDelay(): number {
    return backoffDelay(this.backoff, this.attempt++, Math.random());
  }
}
