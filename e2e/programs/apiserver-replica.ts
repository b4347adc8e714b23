// A second kube-apiserver on the test control plane's etcd, as in an HA control plane: the same
// certificates (clients and ServiceAccount tokens work unchanged), its own port and extra flags.
// Tests use it for behaviour the shared API server must not be bent into, e.g. serving watches
// straight from etcd (--watch-cache=false) so that etcd compaction reaches the watchers.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiServerArgs } from '../testenv/apiserver.js';
import type { Pki } from '../testenv/certs.js';
import { httpsGet } from '../testenv/https-probe.js';
import type { TestenvInfo } from '../testenv/jest-info.js';
import { serverUrl } from '../testenv/kubeconfig.js';
import { freePort } from '../testenv/ports.js';
import { startProcess, type ManagedProcess } from '../testenv/proc.js';
import { findTools } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';

export interface ApiServerReplica {
  readonly server: string;
  readonly proc: ManagedProcess;
  stop(): Promise<void>;
}

/** The files makePki (e2e/testenv/certs.ts) writes into the run's directory. */
function pkiIn(dir: string): Pki {
  const pair = (name: string): { cert: string; key: string } => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  const pki: Pki = { ca: pair('ca'), serving: pair('apiserver'), admin: pair('admin'), controllerManager: pair('controller-manager'), serviceAccount: { key: join(dir, 'sa.key'), pub: join(dir, 'sa.pub') } };
  for (const f of [pki.ca.cert, pki.serving.cert, pki.serving.key, pki.admin.cert, pki.admin.key, pki.serviceAccount.key, pki.serviceAccount.pub]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: the control plane's certificate layout changed (see e2e/testenv/certs.ts makePki)`);
  }
  return pki;
}

export async function startApiServerReplica(info: TestenvInfo, extraArgs: readonly string[] = [], timeoutMs = 60_000): Promise<ApiServerReplica> {
  const pki = pkiIn(info.dir);
  const [ca, cert, key] = await Promise.all([readFile(pki.ca.cert, 'utf8'), readFile(pki.admin.cert, 'utf8'), readFile(pki.admin.key, 'utf8')]);
  const port = await freePort('127.0.0.1');
  const server = serverUrl('127.0.0.1', port);
  const args = [...apiServerArgs({ etcdUrl: info.etcdUrl, bindAddress: '127.0.0.1', port, pki, certDir: join(info.dir, `apiserver-replica-${port}-certs`) }), ...extraArgs];
  const proc = startProcess('kube-apiserver-replica', findTools().KUBE_APISERVER, args, join(info.dir, `kube-apiserver-replica-${port}.log`));
  try {
    await waitFor('kube-apiserver replica', async () => (await httpsGet(`${server}/readyz`, { ca, cert, key })).status === 200, { timeoutMs, proc, intervalMs: 100 });
  } catch (e) {
    await proc.stop(2000);
    throw e;
  }
  return { server, proc, stop: () => proc.stop(5000) };
}
