// Applies planned ServiceL2Status writes. Every write carries the resourceVersion it was planned
// from, so a stale plan fails with 409 instead of clobbering a newer owner's status; the caller
// simply re-plans from the refreshed cache. 404 on delete counts as done.
import { METALLB_GROUP, METALLB_VERSION, type ServiceL2Status } from '../../shared/api/types.js';
import { apiStatus, describeApiError, type KubeClient } from '../../shared/k8s/client.js';
import { metallbObjectPath, metallbPath } from '../../shared/k8s/custom.js';
import type { Logger } from '../../shared/log.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SERVICE_NAMESPACE, MANAGED_BY, type StatusOp } from './plan.js';

const plural = 'servicel2statuses';

export interface WriteCounter {
  (verb: 'create' | 'update' | 'delete', resource: string): void;
}

/**
 * staleVersions: resourceVersions of this object that the informer cache may still show although
 * the write already happened (the caller must not plan from them again).
 */
export type OpResult = { ok: true; staleVersions: string[] } | { ok: false; conflict: boolean; error: string };

export class StatusExecutor {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly countWrite: WriteCounter,
  ) {}

  async apply(op: StatusOp): Promise<OpResult> {
    try {
      return { ok: true, staleVersions: await this.run(op) };
    } catch (err) {
      const status = apiStatus(err);
      if (op.kind === 'delete' && status === 404) return { ok: true, staleVersions: [op.resourceVersion] };
      const conflict = status === 409; // stale resourceVersion, or created meanwhile by another writer
      const error = describeApiError(err);
      if (!conflict) this.log.warn('l2StatusWriteFailed', 'could not write ServiceL2Status', { op: op.kind, name: op.name, service: op.serviceKey, error });
      return { ok: false, conflict, error };
    }
  }

  private async run(op: StatusOp): Promise<string[]> {
    const { namespace } = this;
    const statusPath = (name: string): string => metallbObjectPath(namespace, plural, name, 'status');
    switch (op.kind) {
      case 'create': {
        const [svcNamespace = '', svcName = ''] = op.serviceKey.split('/');
        const body: ServiceL2Status = {
          apiVersion: `${METALLB_GROUP}/${METALLB_VERSION}`,
          kind: 'ServiceL2Status',
          metadata: { name: op.name, namespace, labels: { [LABEL_SERVICE_NAME]: svcName, [LABEL_SERVICE_NAMESPACE]: svcNamespace, [LABEL_MANAGED_BY]: MANAGED_BY } },
          spec: {},
        };
        const created = await this.client.create<ServiceL2Status>(metallbPath(namespace, plural), body);
        this.countWrite('create', plural);
        // status is a subresource: the create above ignored it.
        await this.client.replace(statusPath(op.name), { ...created, status: op.status });
        this.countWrite('update', `${plural}/status`);
        return [created.metadata.resourceVersion ?? ''];
      }
      case 'updateStatus': {
        const [svcNamespace = '', svcName = ''] = op.serviceKey.split('/');
        const body: ServiceL2Status = {
          apiVersion: `${METALLB_GROUP}/${METALLB_VERSION}`,
          kind: 'ServiceL2Status',
          metadata: { name: op.name, namespace, resourceVersion: op.resourceVersion, labels: { [LABEL_SERVICE_NAME]: svcName, [LABEL_SERVICE_NAMESPACE]: svcNamespace, [LABEL_MANAGED_BY]: MANAGED_BY } },
          spec: {},
          status: op.status,
        };
        await this.client.replace(statusPath(op.name), body);
        this.countWrite('update', `${plural}/status`);
        return [op.resourceVersion];
      }
      case 'delete':
        await this.client.delete(metallbObjectPath(namespace, plural, op.name), { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: op.resourceVersion } });
        this.countWrite('delete', plural);
        return [op.resourceVersion];
    }
  }
}
