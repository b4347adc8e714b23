// The in-cluster connection, as client-go's rest.InClusterConfig builds it: the API server from
// the KUBERNETES_SERVICE_HOST/PORT variables the kubelet sets, the mounted ServiceAccount token
// (a file: projected tokens rotate, so it is re-read, never copied) and the cluster CA.
import type { ConnectionSpec } from './kubeconfig.js';
import { KubeconfigError } from './kubeconfig.js';
import { serverUrl } from './url.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function inClusterConnection(env: NodeJS.ProcessEnv, dir: string = SERVICE_ACCOUNT_DIR): ConnectionSpec {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new KubeconfigError('not running in a cluster (KUBERNETES_SERVICE_HOST/PORT are not set): pass --kubeconfig');
  }
  return { server: serverUrl(host, port), ca: { file: `${dir}/ca.crt` }, insecureSkipTlsVerify: false, token: { file: `${dir}/token` } };
}
