// Events are a courtesy to the operator, but a takeover at scale emits one per moved Service
// (hundreds to thousands at once). Fired all together they were that many concurrent HTTPS
// requests: TLS handshakes and JSON work in one burst stalled the event loop for seconds (so
// heartbeats stopped going out and peers declared this node dead) and the API server answered
// 429. This runs them a few at a time, in order; the election path never waits for them.
export class BoundedSender {
  private readonly queue: (() => Promise<void>)[] = [];
  private running = 0;
  private droppedCount = 0;

  constructor(
    private readonly concurrency = 4,
    /** Beyond this many waiting, new tasks are dropped (counted): Events are best effort. */
    private readonly maxQueued = 20_000,
  ) {}

  push(task: () => Promise<void>): void {
    if (this.queue.length >= this.maxQueued) {
      this.droppedCount++;
      return;
    }
    this.queue.push(task);
    this.pump();
  }

  get pending(): number {
    return this.queue.length + this.running;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
