// Service Events from the speaker (nodeAssigned, announceFailed). A takeover at scale emits one
// per moved Service: they go out a few at a time, and beyond 20,000 waiting new ones are dropped.
// Events are a courtesy to operators; the election path never waits for them.
import type { V1Service } from '@kubernetes/client-node';
import { BoundedQueue } from '../../shared/async/bounded.js';
import type { KubeClient } from '../../shared/k8s/client.js';
import { EventRecorder } from '../../shared/k8s/events.js';
import type { Logger } from '../../shared/log.js';
import { splitObjectKey } from '../../shared/k8s/store.js';

export type EventType = 'Normal' | 'Warning';

export class ServiceEvents {
  private readonly recorder: EventRecorder;
  private readonly queue: BoundedQueue;

  constructor(
    kc: KubeClient,
    nodeName: string,
    log: Logger,
    /** namespace/name -> the Service from the informer cache (gone: no Event). */
    private readonly lookup: (namespace: string, name: string) => V1Service | undefined,
  ) {
    this.recorder = new EventRecorder(kc, 'l2lb-speaker', nodeName, log);
    this.queue = new BoundedQueue({
      concurrency: 4,
      maxQueued: 20_000,
      onError: (err) => log.warn('eventFailed', 'could not emit a Service Event', { error: err instanceof Error ? err : String(err) }),
    });
  }

  emit(serviceKey: string, type: EventType, reason: string, message: string): void {
    this.queue.push(async () => {
      const { namespace, name } = splitObjectKey(serviceKey);
      const svc = this.lookup(namespace, name);
      if (!svc) return;
      await this.recorder.event({ apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', namespace: svc.metadata?.namespace, uid: svc.metadata?.uid }, type, reason, message);
    });
  }
}
