// One term of leadership: everything the leader derives from the caches (the allocator, the pool
// configuration it serves, which Services wait for an address, which writes are in doubt, which
// pool problems were reported) lives here and nowhere else. A replica that steps down ends the
// term: its in-flight writes are aborted, its later writes refused, and the next acquisition
// builds a new term from caches proven current, never from what an older term believed.
import { setMaxListeners } from 'node:events';
import type { CallOptions } from '../shared/k8s/client.js';
import { Allocator } from './allocator/allocator.js';
import type { LastValidPools, PoolConfig } from '../shared/api/pool-config.js';
import { InDoubtWrites } from './in-doubt.js';

/** A write refused because the term ended or the Lease is no longer held at this instant. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor() {
    super('not the leader: the Lease is not held at this instant');
  }
}

export class LeaderTerm {
  readonly allocator = new Allocator();
  readonly inDoubt = new InDoubtWrites();
  /** Services waiting for an address (allocation failed), retried when addresses are freed. */
  readonly pending = new Set<string>();
  /** Last reported problem per pool, so an invalid pool gets one Event per change, not per resync. */
  readonly poolProblems = new Map<string, string>();
  poolConfig: PoolConfig | undefined;
  lastValid: LastValidPools = new Map();
  private readonly abort = new AbortController();
  /** For every write of this term: aborted on step-down, refused unless the Lease is held right now. */
  readonly call: CallOptions;

  constructor(
    readonly number: number,
    private readonly holdsLease: () => boolean,
  ) {
    // Every in-flight request of the term listens on this signal (status writes up to the write
    // concurrency, Events, their retries); past Node's default of 10 it printed a leak warning
    // that was none. Requests remove their listener when they end.
    setMaxListeners(256, this.abort.signal);
    this.call = {
      signal: this.abort.signal,
      guard: () => {
        if (!this.current) throw new LeaseLostError();
      },
    };
  }

  /** Not ended, and the Lease is held at this very instant (the monotonic clock, not a flag). */
  get current(): boolean {
    return !this.abort.signal.aborted && this.holdsLease();
  }

  get ended(): boolean {
    return this.abort.signal.aborted;
  }

  /** Step-down: abandons every write in flight (their outcome is left to the next term's caches). */
  end(): void {
    this.abort.abort(new LeaseLostError());
  }
}
