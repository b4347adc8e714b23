// A keyed work queue like client-go's: a key queued twice is processed once; a key is never
// processed by two workers at once (a key re-added while in flight runs again afterwards); failed
// keys come back after a per-key exponential backoff. Order: first queued, first processed.
// A held queue keeps collecting keys but starts none until released (work in flight finishes).
import { backoffDelay, type BackoffPolicy } from '../shared/k8s/backoff.js';

export type WorkResult = 'done' | 'retry';

export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly backoff: BackoffPolicy;
  /** Random source for backoff jitter; injectable so tests are exact. */
  readonly random?: () => number;
}

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running = 0;
  private stopped = false;
  private holding = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly work: (key: string) => Promise<WorkResult>,
    private readonly opts: WorkQueueOptions,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.queued.add(key);
    this.pump();
  }

  /** Adds the key after its backoff delay (or `ms` when given). */
  addLater(key: string, ms?: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const attempt = this.failures.get(key) ?? 0;
    const delay = ms ?? backoffDelay(this.opts.backoff, attempt, (this.opts.random ?? Math.random)());
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, delay),
    );
  }

  get length(): number {
    return this.queued.size;
  }

  get pendingRetries(): number {
    return this.timers.size;
  }

  /** Resolves when nothing is queued or in flight (scheduled retries do not count). */
  idle(): Promise<void> {
    if (this.queued.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Drops everything queued or scheduled; in-flight work finishes but nothing new starts. */
  clear(): void {
    this.queued.clear();
    this.dirty.clear();
    this.failures.clear();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  resume(): void {
    this.stopped = false;
  }

  /** Starts nothing new until release(); keys added meanwhile wait, once each. */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    this.pump();
  }

  get held(): boolean {
    return this.holding;
  }

  private pump(): void {
    while (!this.holding && this.running < this.opts.concurrency && this.queued.size > 0) {
      const key = this.queued.values().next().value as string;
      this.queued.delete(key);
      this.inFlight.add(key);
      this.running++;
      void this.runOne(key);
    }
    if (this.queued.size === 0 && this.running === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async runOne(key: string): Promise<void> {
    let result: WorkResult;
    try {
      result = await this.work(key);
    } catch {
      // The worker reports its own errors; an exception here is treated as a retryable failure.
      result = 'retry';
    }
    this.inFlight.delete(key);
    this.running--;
    if (result === 'retry') {
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
      this.addLater(key);
    } else {
      this.failures.delete(key);
    }
    if (this.dirty.delete(key)) this.add(key);
    this.pump();
  }
}
