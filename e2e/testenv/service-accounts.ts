// Kubeconfigs for ServiceAccounts: a 24 h token from the TokenRequest API (what a pod's projected
// token is), so tests see exactly the identity and RBAC a workload would have.
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig } from './kubeconfig.js';

export const TOKEN_SECONDS = 86_400;

const isConflict = (e: unknown): boolean => e instanceof ApiException && e.code === 409;

/** Creates the namespace and ServiceAccount if missing (no RBAC is granted) and returns kubeconfig YAML. */
export async function serviceAccountKubeconfigText(admin: KubeConfig, caPem: string, namespace: string, name: string): Promise<string> {
  const server = admin.getCurrentCluster()?.server;
  if (!server) throw new Error('admin KubeConfig has no current cluster');
  const core = admin.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  } catch (e) {
    if (!isConflict(e)) throw e;
  }
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace } } });
  } catch (e) {
    if (!isConflict(e)) throw e;
  }
  // Empty audiences = the API server's own audience.
  const tr = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } } });
  const token = tr.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  return renderKubeconfig({ server, caPem, user: `system:serviceaccount:${namespace}:${name}`, namespace, credentials: { kind: 'token', token } });
}
