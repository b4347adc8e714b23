// The controller's only writes: a Service's status + pool annotation (one services/status update,
// which the API server applies to both), and a pool's status. Each carries the resourceVersion
// the decision was made from: a 409 means "decided on stale data", and the caller decides again.
// Each is sent with the leader term's CallOptions: refused ('fenced') unless the Lease is held at
// the instant of sending, and aborted when the term ends.
import type { V1Service } from '@kubernetes/client-node';
import { ANNOTATION, type IPAddressPoolStatus, type PoolKind } from '../shared/api/types.js';
import { apiStatus, describeApiError, writeInDoubt, type CallOptions, type KubeClient } from '../shared/k8s/client.js';
import { metallbObjectPath } from '../shared/k8s/custom.js';
import { resourcePath } from '../shared/k8s/url.js';
import type { OwnedState } from './reconcile/service.js';
import { LeaseLostError } from './term.js';

export type WriteOutcome =
  /** resourceVersion: what the server answered (etcd revisions order it against the Lease's). */
  | { kind: 'ok'; resourceVersion?: string }
  | { kind: 'conflict' }
  | { kind: 'gone' }
  /** Refused before sending: the Lease was not held at that instant. */
  | { kind: 'fenced' }
  /** inDoubt: the server may have applied it (no answer, cut off, or 5xx). */
  | { kind: 'failed'; error: string; inDoubt: boolean };

function outcomeOf(err: unknown): WriteOutcome {
  const status = apiStatus(err);
  if (status === 409) return { kind: 'conflict' };
  if (status === 404) return { kind: 'gone' };
  if (err instanceof Error && err.cause instanceof LeaseLostError && !writeInDoubt(err)) return { kind: 'fenced' };
  return { kind: 'failed', error: describeApiError(err), inDoubt: writeInDoubt(err) };
}

/** The Service as it should be stored: l2lb's two fields replaced, everything else as read. */
export function withOwnedState(svc: V1Service, owned: OwnedState, removeAnnotations: readonly string[] = []): V1Service {
  const annotations = { ...(svc.metadata?.annotations ?? {}) };
  for (const k of removeAnnotations) delete annotations[k];
  if (owned.pool === undefined) delete annotations[ANNOTATION.ipAllocatedFromPool];
  else annotations[ANNOTATION.ipAllocatedFromPool] = owned.pool;
  return {
    ...svc,
    metadata: { ...svc.metadata, annotations },
    status: { ...svc.status, loadBalancer: { ...svc.status?.loadBalancer, ingress: owned.ingress.map((i) => ({ ip: i.ip })) } },
  };
}

export class ControllerWriters {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {}

  async serviceStatus(svc: V1Service, owned: OwnedState, removeAnnotations: readonly string[], call?: CallOptions): Promise<WriteOutcome> {
    try {
      const path = resourcePath({ version: 'v1', namespace: svc.metadata!.namespace!, plural: 'services', name: svc.metadata!.name!, subresource: 'status' });
      const stored = await this.client.replace<V1Service>(path, withOwnedState(svc, owned, removeAnnotations), call);
      return { kind: 'ok', resourceVersion: stored?.metadata?.resourceVersion };
    } catch (err) {
      return outcomeOf(err);
    }
  }

  async poolStatus(kind: PoolKind, pool: { metadata?: { name?: string; resourceVersion?: string } }, status: IPAddressPoolStatus, call?: CallOptions): Promise<WriteOutcome> {
    const plural = kind === 'IPAddressPool' ? 'ipaddresspools' : 'addresspools';
    try {
      await this.client.replace(metallbObjectPath(this.namespace, plural, pool.metadata?.name ?? '', 'status'), { ...pool, status }, call);
      return { kind: 'ok' };
    } catch (err) {
      return outcomeOf(err);
    }
  }
}
