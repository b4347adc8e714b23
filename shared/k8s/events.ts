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

interface Seen {
  event: CoreV1Event;
  at: number;
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
    const stamp = new Date(now);
    const previous = this.seen.get(key);
    try {
      if (previous && now - previous.at < repeatWindowMs) {
        // Unconditional (no resourceVersion): Events allow it.
        const body: CoreV1Event = { ...previous.event, count: (previous.event.count ?? 1) + 1, lastTimestamp: stamp };
        await this.client.replace<CoreV1Event>(eventPath(namespace, body.metadata.name), body);
        this.remember(key, body, now);
        return;
      }
      const body: CoreV1Event = {
        metadata: { name: `${target.name}.${randomBytes(8).toString('hex')}`, namespace },
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
        count: 1,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        source: { component: this.component, host: this.host },
        reportingComponent: this.component,
        reportingInstance: this.host,
      };
      await this.client.create<CoreV1Event>(eventPath(namespace), body);
      this.remember(key, body, now);
    } catch (err) {
      this.seen.delete(key);
      this.log.warn('eventFailed', 'could not record a Kubernetes Event', {
        reason,
        object: `${target.kind}/${namespace}/${target.name}`,
        error: describeApiError(err),
      });
    }
  }

  /**
   * Remembers what we sent, not the server's answer: a count bump needs only that, and the answer
   * (managedFields, uid, timestamps) kept for up to 4,096 Events was megabytes for nothing.
   */
  private remember(key: string, event: CoreV1Event, at: number): void {
    this.seen.delete(key);
    this.seen.set(key, { event, at });
    if (this.seen.size > maxRemembered) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
