// Runs a pass over every VIP (an election, a ServiceL2Status plan) at once when asked 'now', or
// within the duty cycle of pacing.ts when asked 'paced'; paced requests while one is waiting
// share its timer, and a 'now' request takes over a waiting paced one.
import { pacedDelay } from './world/pacing.js';

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
