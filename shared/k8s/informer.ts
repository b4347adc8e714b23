// An informer that keeps going: list (in pages), then watch from the list's resourceVersion,
// keeping a cache and telling handlers what changed. A watch the server ends is resumed where it
// stopped; one whose resourceVersion expired (410 Gone) is replaced by a fresh list, diffed
// against the cache so handlers hear of objects deleted meanwhile. Any other error (API server
// restart, network failure, 403 while RBAC propagates) restarts it from a list, with backoff,
// forever, until stop().
import type { KubernetesObject } from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
import { describeApiError, type KubeClient } from './client.js';
import { listAll, MalformedResponseError } from './list.js';
import { ObjectStore, type Change, type InformerEvent } from './store.js';
import { watchOnce, type WatchEvent } from './watch.js';

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
  readonly pageSize?: number;
}

/**
 * Random in [5, 10) minutes, as client-go's reflector: informers started together do not all
 * re-watch at the same moment, and a connection gets re-established now and then.
 */
/** A watch that ends sooner than this without an event did not really work. */
const minWatchMs = 1000;

export const randomWatchTimeoutSeconds = (): number => 300 + Math.floor(Math.random() * 300);

/** What a program needs to start, stop and probe a set of informers of different kinds. */
export interface InformerLifecycle {
  readonly source: { readonly name: string };
  readonly hasSynced: boolean;
  /** Listed and not failed since: the cache follows the server (false while it retries). */
  readonly healthy: boolean;
  readonly restarts: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Lists again now (ending the current watch or backoff wait) and resolves true once a list
   * that started after this call succeeded (false if stopped first): a proof that the cache is
   * current as of the call, which a watch alone cannot give (it may lag or be cut).
   */
  relistNow(): Promise<boolean>;
}

export class RestartingInformer<T extends KubernetesObject> implements InformerLifecycle {
  private readonly store = new ObjectStore<T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly backoff: BackoffPolicy;
  private readonly watchTimeoutSeconds: () => number;
  private attempt = 0;
  private lists = 0;
  private synced = false;
  private failing = false;
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

  private async run(signal: AbortSignal): Promise<void> {
    /** Where the watch resumes; undefined: list first. */
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      const kick = (this.kick = new AbortController());
      const ended = AbortSignal.any([signal, kick.signal]);
      if (this.relistRequested) resourceVersion = undefined;
      /** When the server accepted the current watch, and what it delivered since. */
      let openedAt: number | undefined;
      let events = 0;
      // A watch that delivered events or stayed open a while worked: whatever failed before is
      // over, and the next failure backs off from scratch. One that ends at once keeps backing off.
      const watchWorked = (): boolean => openedAt !== undefined && (events > 0 || performance.now() - openedAt >= minWatchMs);
      try {
        let fresh = false;
        if (resourceVersion === undefined) {
          resourceVersion = await this.relist();
          fresh = true;
        }
        const end = await watchOnce(
          this.client,
          this.source.path,
          { resourceVersion, timeoutSeconds: this.watchTimeoutSeconds(), labelSelector: this.source.labelSelector, fieldSelector: this.source.fieldSelector },
          (e) => {
            resourceVersion = this.apply(e) ?? resourceVersion;
            fresh = false;
            events++;
          },
          ended,
          () => (openedAt = performance.now()),
        );
        if (watchWorked()) this.attempt = 0;
        if (kick.signal.aborted) continue; // relistNow(): list at once
        if (end === 'expired') {
          resourceVersion = undefined;
          // Expired straight after a list (a lagging server): list again, but not in a tight loop.
          if (fresh) await sleep(this.nextDelay(), undefined, { signal: ended }).catch(() => undefined);
        } else if (!watchWorked()) {
          // Closed at once with nothing in it (a proxy cutting streams short): not in a tight loop either.
          await sleep(this.nextDelay(), undefined, { signal: ended }).catch(() => undefined);
        }
      } catch (err) {
        if (signal.aborted) break;
        resourceVersion = undefined;
        if (kick.signal.aborted) continue;
        this.failing = true;
        if (watchWorked()) this.attempt = 0;
        const delay = this.nextDelay();
        // Before the first sync the callers are still waiting in start(); errors are only retried.
        if (this.synced) this.log.warn('informerError', `${this.source.name} watch failed; restarting`, { informer: this.source.name, error: describeApiError(err), retryInMs: delay });
        try {
          await sleep(delay, undefined, { signal: ended });
        } catch {
          if (signal.aborted) break; // stopped while waiting
        }
        if (this.synced) this.restarts++;
      }
    }
  }

  /** Lists everything, replaces the cache, tells handlers the differences; returns the list's resourceVersion. */
  private async relist(): Promise<string> {
    const { name, path, labelSelector, fieldSelector } = this.source;
    // Callers of relistNow() before this list started are answered by it (or by the next, if it fails).
    const waiters = this.relistWaiters.splice(0);
    this.relistRequested = false;
    let listed: { items: T[]; resourceVersion: string };
    try {
      listed = await listAll<T>(this.client, path, { labelSelector, fieldSelector, limit: this.opts.pageSize });
    } catch (err) {
      this.relistWaiters.unshift(...waiters);
      throw err;
    }
    const { items, resourceVersion } = listed;
    // Every list after the first is a relist: the watch expired (410 Gone) or failed. Logged,
    // since it is otherwise invisible.
    if (++this.lists > 1) this.log.info('informerRelisted', `${name} listed again`, { informer: name, items: items.length, resourceVersion });
    const { transform } = this.opts;
    this.dispatch(this.store.replace(transform ? items.map(transform) : items));
    this.failing = false;
    for (const w of waiters) w(true);
    if (!this.synced) {
      this.synced = true;
      this.attempt = 0;
      this.log.debug('informerSynced', `${name} listed`, { informer: name });
      this.release();
    }
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
    for (const c of changes) for (const h of this.handlers) h(c.event, c.obj);
  }

  private nextDelay(): number {
    return backoffDelay(this.backoff, this.attempt++, Math.random());
  }
}
