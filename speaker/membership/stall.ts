// Our own stalls (a GC pause, a blocked event loop) are not peers' deaths: after a gap longer
// than the threshold between two calls, the engine is in grace for a while (it adds no death),
// since the silence it would judge was partly ours.
export class StallDetector {
  private lastCallAt: number;
  private graceUntil = Number.NEGATIVE_INFINITY;
  private stallCount = 0;

  constructor(now: number, private readonly thresholdMs: number, private readonly graceMs: number) {
    this.lastCallAt = now;
  }

  /** Called on every engine entry with the current time. */
  observe(now: number): void {
    if (now - this.lastCallAt > this.thresholdMs) {
      this.graceUntil = now + this.graceMs;
      this.stallCount++;
    }
    this.lastCallAt = Math.max(this.lastCallAt, now);
  }

  /** When the current grace ends (in the past when there is none). */
  get graceEnd(): number {
    return this.graceUntil;
  }

  inGrace(now: number): boolean {
    return now < this.graceUntil;
  }

  /** How many stalls were detected. */
  get count(): number {
    return this.stallCount;
  }
}
