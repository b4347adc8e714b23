// Installs what the chart grants the programs (ServiceAccounts, Roles, ClusterRoles and their
// bindings), rendered by the real helm from charts/l2lb and applied server-side, so tests run the
// controller and speaker with exactly the rights an installed release has: no more.
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { render } from '../../charts/l2lb/render.js';

const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

export interface ChartRbac {
  readonly controllerServiceAccount: string;
  readonly speakerServiceAccount: string;
  /** Deletes the cluster-scoped objects (namespaced ones go with the namespace). */
  uninstall(): Promise<void>;
}

export async function installChartRbac(kc: KubeConfig, namespace: string, release: string): Promise<ChartRbac> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const objects = render({ release, namespace }).filter((o) => RBAC_KINDS.has(o.kind));
  const clusterScoped: KubernetesObject[] = [];
  for (const o of objects) {
    const obj = o as KubernetesObject;
    await api.patch(obj, undefined, undefined, 'l2lb-tests', true, PatchStrategy.ServerSideApply);
    if (!o.metadata.namespace && o.kind.startsWith('Cluster')) clusterScoped.push(obj);
  }
  return {
    controllerServiceAccount: `${release}-controller`,
    speakerServiceAccount: `${release}-speaker`,
    async uninstall() {
      for (const o of clusterScoped) await api.delete(o).catch(() => undefined);
    },
  };
}
