// Bounded concurrency, in one place. Bursts of API calls (thousands of status writes or Events
// after a takeover) one at a time are slow (a round trip each); all at once they flood the API
// server (429s) and this process (TLS and JSON work stall the event loop that also sends
// heartbeats). BoundedQueue runs pushed tasks a few at a time, in order; eachBounded is the same
// over an array, awaited.

export interface BoundedQueueOptions {
  /** Tasks running at once. */
  readonly concurrency: number;
  /** Beyond this many waiting, new tasks are dropped (counted): for best-effort work. Default: no bound. */
  readonly maxQueued?: number;
  /** A task's rejection; the queue carries on with the next. */
  readonly onError: (err: unknown) => void;
}

export class BoundedQueue {
  private readonly queue: (() => Promise<unknown>)[] = [];
  private running = 0;
  private droppedCount = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: BoundedQueueOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, not ${opts.concurrency}`);
  }

  /** Queues a task; false when it was dropped (the queue is full). */
  push(task: () => Promise<unknown>): boolean {
    if (this.queue.length >= (this.opts.maxQueued ?? Infinity)) {
      this.droppedCount++;
      return false;
    }
    this.queue.push(task);
    this.pump();
    return true;
  }

  /** Waiting and running tasks. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Resolves once nothing waits or runs. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.opts.concurrency && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.running++;
      void (async () => {
        try {
          await task();
        } catch (err) {
          this.opts.onError(err);
        } finally {
          this.running--;
          this.pump();
          if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
        }
      })();
    }
  }
}

/** fn over items, at most `width` calls in flight, started in item order; rejects with the first failure once all have settled. */
export async function eachBounded<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const failures: unknown[] = [];
  const q = new BoundedQueue({ concurrency: width, onError: (err) => failures.push(err) });
  for (const item of items) q.push(() => fn(item));
  await q.idle();
  if (failures.length > 0) throw failures[0];
}
