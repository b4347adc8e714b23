// A test file's own namespace on the shared test API server, made through l2lb's own client
// (tests of shared/k8s run without @kubernetes/client-node's typed APIs).
import { apiStatus } from '../../shared/k8s/api-error.js';
import type { KubeClient } from '../../shared/k8s/client.js';

/** Creates the namespace; one left by an earlier run of the same file is fine. */
export async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.create('/api/v1/namespaces', { metadata: { name } });
  } catch (err) {
    if (apiStatus(err) !== 409) throw err;
  }
}
