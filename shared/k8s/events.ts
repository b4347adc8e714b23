// Kubernetes Events (core/v1), as client-go's recorder writes them: one Event per distinct
// (object, type, reason, message); a repeat within the window bumps count/lastTimestamp instead
// of creating another object, so a retry loop cannot flood etcd. Failures are logged, never thrown:
// an Event is a courtesy to the operator, not part of the control loop.
import type { CoreV1Event } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { describeApiError, type KubeClient } from './client.js';
import { resourcePath } from './url.js';

export interface EventTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  event(target: EventTarget, type: EventType, reason: string, message: string): Promise<void>;
}

/**
 * What a count bump needs besides the arguments that make the key: the Event's name, its count
 * and first time. Not the Event body: after a takeover a speaker remembers one per moved Service
 * (thousands, for ten minutes), and a body per Event was ~0.5 KB each.
 */
interface Seen {
  readonly name: string;
  readonly count: number;
  readonly first: number;
  readonly at: number;
}

const eventPath = (namespace: string, name?: string): string => resourcePath({ version: 'v1', plural: 'events', namespace, ...(name === undefined ? {} : { name }) });

const repeatWindowMs = 10 * 60_000;
const maxRemembered = 4096;

export class EventRecorder implements EventSink {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly host: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async event(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = target.namespace ?? 'default';
    const key = [target.kind, namespace, target.name, target.uid ?? '', type, reason, message].join('\u0000');
    const now = this.now();
    const previous = this.seen.get(key);
    try {
      if (previous && now - previous.at < repeatWindowMs) {
        const seen = { name: previous.name, count: previous.count + 1, first: previous.first, at: now };
        // Unconditional (no resourceVersion): Events allow it.
        await this.client.replace<CoreV1Event>(eventPath(namespace, seen.name), this.body(target, namespace, type, reason, message, seen));
        this.remember(key, seen);
        return;
      }
      const seen = { name: `${target.name}.${randomBytes(8).toString('hex')}`, count: 1, first: now, at: now };
      await this.client.create<CoreV1Event>(eventPath(namespace), this.body(target, namespace, type, reason, message, seen));
      this.remember(key, seen);
    } catch (err) {
      this.seen.delete(key);
      this.log.warn('eventFailed', 'could not record a Kubernetes Event', {
        reason,
        object: `${target.kind}/${namespace}/${target.name}`,
        error: describeApiError(err),
      });
    }
  }

  /** The whole Event, the same for a create and a bump but for count and lastTimestamp. */
  private body(target: EventTarget, namespace: string, type: EventType, reason: string, message: string, seen: Seen): CoreV1Event {
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
      count: seen.count,
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
