// Pacing of passes over every VIP (an election, a ServiceL2Status plan), in one place: the pure
// rule (pacedDelay) and the timer that applies it (Pacer).
//
// How soon to redo a pass after a change of cluster objects. An election (or a ServiceL2Status
// plan) is such a pass (~0.25 s at 5,000 VIPs on a busy node); while thousands of
// Services are being created, or thousands of statuses written, one pass per change kept each
// speaker's CPU busy (O(n^2) over the burst) and its event loop full. So passes caused by object
// changes keep to a duty cycle: after one that took d ms, the next waits until IDLE_FACTOR * d ms
// have passed. Membership changes (a peer died) never wait: that is the failover path. At small
// scale d is a millisecond: no visible delay.
//
// Pacer runs a pass at once when asked 'now', or within that duty cycle when asked 'paced'; paced
// requests while one is waiting share its timer, and a 'now' request takes over a waiting one.
export const IDLE_FACTOR = 3;

/** Milliseconds to wait before a pass for an object change; 0: at once. */
export function pacedDelay(lastPassMs: number, sinceLastPassEndMs: number): number {
  if (!(lastPassMs > 0)) return 0;
  return Math.max(0, Math.ceil(IDLE_FACTOR * lastPassMs - sinceLastPassEndMs));
}

export type When = 'now' | 'paced';

export class Pacer {
  private timer: NodeJS.Timeout | undefined;
  private lastMs = 0;
  private lastEnd = 0;

  /** `start` begins a pass (it may itself defer the work, e.g. to setImmediate). */
  constructor(private readonly start: () => void) {}

  request(when: When): void {
    const delay = when === 'now' ? 0 : pacedDelay(this.lastMs, performance.now() - this.lastEnd);
    if (delay > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.start();
      }, delay);
      return;
    }
    // A pass now covers whatever a paced one was waiting for.
    this.cancel();
    this.start();
  }

  /** Records how long the synchronous part of a pass took (what the duty cycle is made of). */
  took(ms: number): void {
    this.lastMs = ms;
    this.lastEnd = performance.now();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
