// Applies planned ServiceL2Status writes. Every write carries the resourceVersion it was planned
// from, so a stale plan fails with 409 instead of clobbering a newer owner's status; the caller
// simply re-plans from the refreshed cache. 404 on delete counts as done.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { METALLB_GROUP, METALLB_VERSION, type ServiceL2Status } from '../../shared/api/types.js';
import { apiStatus, describeApiError } from '../../shared/k8s/client.js';
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
  private readonly api: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly countWrite: WriteCounter,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

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
    const base = { group: METALLB_GROUP, version: METALLB_VERSION, namespace, plural };
    switch (op.kind) {
      case 'create': {
        const [svcNamespace = '', svcName = ''] = op.serviceKey.split('/');
        const body: ServiceL2Status = {
          apiVersion: `${METALLB_GROUP}/${METALLB_VERSION}`,
          kind: 'ServiceL2Status',
          metadata: { name: op.name, namespace, labels: { [LABEL_SERVICE_NAME]: svcName, [LABEL_SERVICE_NAMESPACE]: svcNamespace, [LABEL_MANAGED_BY]: MANAGED_BY } },
          spec: {},
        };
        const created = (await this.api.createNamespacedCustomObject({ ...base, body })) as ServiceL2Status;
        this.countWrite('create', plural);
        // status is a subresource: the create above ignored it.
        await this.api.replaceNamespacedCustomObjectStatus({ ...base, name: op.name, body: { ...created, status: op.status } });
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
        await this.api.replaceNamespacedCustomObjectStatus({ ...base, name: op.name, body });
        this.countWrite('update', `${plural}/status`);
        return [op.resourceVersion];
      }
      case 'delete':
        await this.api.deleteNamespacedCustomObject({ ...base, name: op.name, body: { preconditions: { resourceVersion: op.resourceVersion } } });
        this.countWrite('delete', plural);
        return [op.resourceVersion];
    }
  }
}
