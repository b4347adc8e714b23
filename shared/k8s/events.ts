// Kubernetes Events (core/v1), recorded as client-go's recorder does, and then some:
// - Aggregation: one Event object per distinct (object, type, reason, message). A repeat only
//   counts locally; the count reaches the server at most once per bumpInterval (default 5 min),
//   so a Service retried a thousand times costs one create and a few bumps, not a thousand writes.
// - Rate limits (client-go's spam filter): a token bucket per involved object (burst 25, one token
//   per 5 minutes) and a global one (burst 100, 5 per second). A limited Event is dropped and
//   counted; its aggregate still counts and is sent when tokens allow.
// - Retries: a write that failed for a reason that may pass (no answer, 429, 5xx) is retried with
//   backoff, at most a few times, and at most maxRetrying at once; a refused one (4xx, or a write
//   the caller's guard refused, e.g. a controller that lost its Lease) is dropped.
// Failures are logged, never thrown: an Event is a courtesy to the operator, not part of a control loop.
import type { CoreV1Event } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { ApiError, TransportError } from './api-error.js';
import { backoffDelay } from './backoff.js';
import { describeApiError, type CallOptions, type KubeClient } from './client.js';
import { resourcePath } from './url.js';

export interface EventTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
}

export type EventType = 'Normal' | 'Warning';

/**
 * What became of one occurrence: written (created or bumped), aggregated (the server has it, or a
 * write under way carries it), rateLimited (dropped by a token bucket) or failed (the write was
 * refused or its retries ran out; a caller that still needs the Event may try again later).
 */
export type EventOutcome = 'written' | 'aggregated' | 'rateLimited' | 'failed';

export interface EventSink {
  event(target: EventTarget, type: EventType, reason: string, message: string): Promise<EventOutcome>;
}

export interface RecorderOptions {
  /** Per-call limits for every Event write (e.g. a leader's fencing guard). */
  readonly call?: () => CallOptions;
  /** How often a repeated Event's count may reach the server. */
  readonly bumpIntervalMs?: number;
  readonly now?: () => number;
  readonly perObject?: BucketSpec;
  readonly global?: BucketSpec;
}

export interface BucketSpec {
  readonly burst: number;
  readonly perSecond: number;
}

export interface RecorderStats {
  /** Event objects created, and count bumps sent. */
  created: number;
  bumped: number;
  /** Repeats counted locally without a write. */
  aggregated: number;
  rateLimited: number;
  retried: number;
  failed: number;
}

/**
 * What a count bump needs besides the arguments that make the key: the Event's name, its count
 * and times. Not the Event body: after a takeover a speaker remembers one per moved Service
 * (thousands, for ten minutes), and a body per Event was ~0.5 KB each.
 */
interface Seen {
  name: string;
  /** Occurrences so far, and how many the server has. */
  count: number;
  written: number;
  readonly first: number;
  at: number;
  /** When the server's copy was last written (0: not yet created). */
  wroteAt: number;
  /** A write (or its retries) is under way. */
  busy: boolean;
}

const eventPath = (namespace: string, name?: string): string => resourcePath({ version: 'v1', plural: 'events', namespace, ...(name === undefined ? {} : { name }) });

const repeatWindowMs = 10 * 60_000;
const maxRemembered = 4096;
const maxRetrying = 256;
/** With the backoff below, about a minute of retries: long enough to outlast an API-server restart. */
const maxAttempts = 8;
const retryBackoff = { initialMs: 500, maxMs: 30_000 };
const defaultPerObject: BucketSpec = { burst: 25, perSecond: 1 / 300 };
const defaultGlobal: BucketSpec = { burst: 100, perSecond: 5 };

class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly spec: BucketSpec,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.at = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.at) / 1000) * this.spec.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  /** Full again: nothing to remember. */
  full(now: number): boolean {
    return this.tokens + ((now - this.at) / 1000) * this.spec.perSecond >= this.spec.burst;
  }
}

/** Whether a failed Event write may succeed if sent again. */
function retryable(err: unknown): boolean {
  if (err instanceof TransportError) return err.sent; // refused by the caller's guard: never
  if (err instanceof ApiError) return err.status === 429 || err.status >= 500;
  return false;
}

export class EventRecorder implements EventSink {
  readonly stats: RecorderStats = { created: 0, bumped: 0, aggregated: 0, rateLimited: 0, retried: 0, failed: 0 };
  private readonly seen = new Map<string, Seen>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly global: TokenBucket;
  private readonly now: () => number;
  private readonly bumpIntervalMs: number;
  private retrying = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly host: string,
    private readonly log: Logger,
    private readonly opts: RecorderOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.bumpIntervalMs = opts.bumpIntervalMs ?? 5 * 60_000;
    this.global = new TokenBucket(opts.global ?? defaultGlobal, this.now());
  }

  async event(target: EventTarget, type: EventType, reason: string, message: string): Promise<EventOutcome> {
    const namespace = target.namespace ?? 'default';
    const object = [target.kind, namespace, target.name, target.uid ?? ''].join('\u0000');
    const key = [object, type, reason, message].join('\u0000');
    const now = this.now();
    let seen = this.seen.get(key);
    if (seen && now - seen.at >= repeatWindowMs && !seen.busy) seen = undefined; // an old one: a new Event
    if (seen) {
      seen.count++;
      seen.at = now;
      this.remember(key, seen);
      // Written recently, or a write under way that will carry this count: only counted.
      if (seen.busy || now - seen.wroteAt < this.bumpIntervalMs) {
        this.stats.aggregated++;
        return 'aggregated';
      }
    } else {
      seen = { name: `${target.name}.${randomBytes(8).toString('hex')}`, count: 1, written: 0, first: now, at: now, wroteAt: 0, busy: false };
      this.remember(key, seen);
    }
    if (!this.admit(object, now)) {
      this.stats.rateLimited++;
      return 'rateLimited';
    }
    return this.write(key, seen, target, namespace, type, reason, message);
  }

  private admit(object: string, now: number): boolean {
    let bucket = this.buckets.get(object);
    if (!bucket) {
      bucket = new TokenBucket(this.opts.perObject ?? defaultPerObject, now);
      this.buckets.set(object, bucket);
      if (this.buckets.size > maxRemembered) for (const [k, b] of this.buckets) if (b.full(now)) this.buckets.delete(k);
    }
    // The global budget is only spent when the object's own bucket allows the write.
    return bucket.take(now) && this.global.take(now);
  }

  /** Creates or bumps the server's copy, retrying what may pass; at most one write per key at once. */
  private async write(key: string, seen: Seen, target: EventTarget, namespace: string, type: EventType, reason: string, message: string): Promise<EventOutcome> {
    seen.busy = true;
    try {
      for (let attempt = 0; ; attempt++) {
        const count = seen.count;
        const creating = seen.written === 0;
        try {
          const body = this.body(target, namespace, type, reason, message, seen, count);
          const call = this.opts.call?.();
          // A bump is unconditional (no resourceVersion): Events allow it.
          if (creating) await this.client.create<CoreV1Event>(eventPath(namespace), body, call);
          else await this.client.replace<CoreV1Event>(eventPath(namespace, seen.name), body, call);
          seen.written = count;
          seen.wroteAt = this.now();
          if (creating) this.stats.created++;
          else this.stats.bumped++;
          return 'written';
        } catch (err) {
          // A bump of an Event someone deleted (or that expired): create it anew.
          if (!creating && err instanceof ApiError && err.status === 404) {
            seen.written = 0;
            seen.name = `${target.name}.${randomBytes(8).toString('hex')}`;
            continue;
          }
          if (!retryable(err) || attempt + 1 >= maxAttempts || this.retrying >= maxRetrying) {
            this.stats.failed++;
            // Forget a never-created Event: the next occurrence tries again from scratch.
            if (seen.written === 0) this.seen.delete(key);
            this.log.warn('eventFailed', 'could not record a Kubernetes Event', {
              reason,
              object: `${target.kind}/${namespace}/${target.name}`,
              error: describeApiError(err),
              attempts: attempt + 1,
            });
            return 'failed';
          }
          this.stats.retried++;
          this.retrying++;
          try {
            await new Promise((r) => setTimeout(r, backoffDelay(retryBackoff, attempt, Math.random())).unref?.());
          } finally {
            this.retrying--;
          }
        }
      }
    } finally {
      seen.busy = false;
    }
  }

  /** The whole Event, the same for a create and a bump but for count and lastTimestamp. */
  private body(target: EventTarget, namespace: string, type: EventType, reason: string, message: string, seen: Seen, count: number): CoreV1Event {
    return {
      metadata: { name: seen.name, namespace },
      involvedObject: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.name,
        namespace: target.namespace,
        uid: target.uid,
      },
      type,
      reason,
      message,
      count,
      firstTimestamp: new Date(seen.first),
      lastTimestamp: new Date(seen.at),
      source: { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
  }

  private remember(key: string, seen: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, seen);
    if (this.seen.size > maxRemembered) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
