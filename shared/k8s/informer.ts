// An informer that keeps going: client-node's informer relists on 410 Gone by itself, but on any
// other error (API server restart, network failure, 403 while RBAC propagates) it emits `error`
// and stops. This wrapper restarts it with backoff, forever, until stop() is called.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
import { describeApiError } from './client.js';

/** Custom objects arrive as plain JSON; the informer's cache needs the KubernetesObject shape too. */
export type Typed<T> = KubernetesObject & T;

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, obj: T) => void;

export interface InformerSource<T extends KubernetesObject> {
  /** Name for logs and metrics, e.g. "services". */
  readonly name: string;
  /** Watch path, e.g. /api/v1/services or /apis/metallb.io/v1beta1/namespaces/x/ipaddresspools. */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  /** e.g. metadata.name=x: RBAC resourceNames allow list/watch only with this selector. */
  readonly fieldSelector?: string;
}

/** What a program needs to start, stop and probe a set of informers of different kinds. */
export interface InformerLifecycle {
  readonly source: { readonly name: string };
  readonly hasSynced: boolean;
  readonly restarts: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class RestartingInformer<T extends KubernetesObject> implements InformerLifecycle {
  private readonly inner;
  private readonly handlers: InformerHandler<T>[] = [];
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private synced = false;
  /** Bumped on every error, so a restart that "resolved" after emitting an error keeps backing off. */
  private errors = 0;
  restarts = 0;

  constructor(
    kc: KubeConfig,
    readonly source: InformerSource<T>,
    private readonly log: Logger,
    private readonly backoff: BackoffPolicy = defaultBackoff,
  ) {
    // Every list after the first is a relist: the watch expired (410 Gone, which client-node
    // handles silently) or was restarted from scratch. Logged, since it is otherwise invisible.
    let lists = 0;
    const list = async (): Promise<KubernetesListObject<T>> => {
      const result = await source.list();
      if (++lists > 1) log.info('informerRelisted', `${source.name} listed again`, { informer: source.name, items: result.items.length, resourceVersion: result.metadata?.resourceVersion });
      return result;
    };
    this.inner = new ListWatch<T>(source.path, new Watch(kc), list, false, source.labelSelector, source.fieldSelector);
    this.inner.on('add', (o) => this.dispatch('add', o));
    this.inner.on('update', (o) => this.dispatch('update', o));
    this.inner.on('delete', (o) => this.dispatch('delete', o));
    this.inner.on('error', (err: unknown) => this.onError(err));
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Resolves after the first successful list, retrying with backoff until then. */
  async start(): Promise<void> {
    this.stopped = false;
    while (!this.stopped && !this.synced) {
      let failed: unknown;
      const onErr = (err: unknown): void => {
        failed = err ?? new Error('informer error');
      };
      this.inner.on('error', onErr);
      try {
        await this.inner.start();
      } catch (err) {
        failed = err;
      } finally {
        this.inner.off('error', onErr);
      }
      if (failed === undefined) {
        this.synced = true;
        this.attempt = 0;
        this.log.debug('informerSynced', `${this.source.name} listed`, { informer: this.source.name });
        return;
      }
      await new Promise((r) => setTimeout(r, this.nextDelay()));
    }
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  list(namespace?: string): readonly T[] {
    return this.inner.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.inner.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.inner.stop();
  }

  private dispatch(event: InformerEvent, obj: T): void {
    for (const h of this.handlers) h(event, obj);
  }

  private nextDelay(): number {
    return backoffDelay(this.backoff, this.attempt++, Math.random());
  }

  private onError(err: unknown): void {
    if (this.stopped || !this.synced) return; // start() handles errors before the first sync
    this.errors++;
    const delay = this.nextDelay();
    this.log.warn('informerError', `${this.source.name} watch failed; restarting`, {
      informer: this.source.name,
      error: describeApiError(err),
      retryInMs: delay,
    });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      this.restarts++;
      const errorsBefore = this.errors;
      this.inner.start().then(
        () => {
          if (this.errors === errorsBefore) this.attempt = 0;
        },
        (e: unknown) => this.onError(e),
      );
    }, delay);
  }
}
