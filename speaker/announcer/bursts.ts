// Takeover bursts on one timer. A burst sends at once, then `rounds` more times `intervalMs`
// apart. A takeover starts thousands of bursts at the same moment; one timer per burst would be
// thousands of timers firing together, so every burst waits in one queue ordered by when it is
// due and a single timeout is armed for the head. Bursts started together stay due together and
// go out in one wakeup.
export class BurstTicker {
  /** Insertion order is due order: a burst is (re)queued at now + interval, never earlier than any queued one. */
  private readonly queue = new Map<string, { next: number; left: number; send: () => void }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly rounds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sends once now and queues the rest; a burst already running under this key starts over. */
  start(key: string, send: () => void): void {
    this.queue.delete(key);
    send();
    if (this.rounds > 0) this.queue.set(key, { next: this.now() + this.intervalMs, left: this.rounds, send });
    this.arm();
  }

  stop(key: string): void {
    this.queue.delete(key);
    if (this.queue.size === 0) this.disarm();
  }

  /** Bursts still running (for tests and metrics). */
  get active(): number {
    return this.queue.size;
  }

  close(): void {
    this.queue.clear();
    this.disarm();
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    const head = this.queue.values().next();
    if (head.done) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, head.value.next - this.now()));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    const t = this.now();
    const due: Array<[string, { next: number; left: number; send: () => void }]> = [];
    for (const entry of this.queue) {
      if (entry[1].next > t) break;
      due.push(entry);
    }
    for (const [key, b] of due) {
      // A send may stop or restart bursts (it never does today); only requeue what is still ours.
      if (this.queue.get(key) !== b) continue;
      this.queue.delete(key);
      b.send();
      if (--b.left > 0 && !this.queue.has(key)) {
        b.next = t + this.intervalMs;
        this.queue.set(key, b);
      }
    }
    this.arm();
  }
}
