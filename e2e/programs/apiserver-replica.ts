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

/**
 * Starts a second kube-apiserver on the test control plane's etcd; `starting` is told its URL as
 * soon as the process runs, before it is ready. Once (in a fresh-clone CI run)
 * a replica never became ready within 60 s while every other start took ~3 s; the cause is
 * unknown (its log went with the run). So a start that is not ready in time is stopped and tried
 * once more on a new port, and the failing readiness checks are part of the error.
 */
export async function startApiServerReplica(info: TestenvInfo, extraArgs: readonly string[] = [], timeoutMs = 30_000, attempts = 2, starting?: (server: string) => void): Promise<ApiServerReplica> {
  const pki = pkiIn(info.dir);
  const [ca, cert, key] = await Promise.all([readFile(pki.ca.cert, 'utf8'), readFile(pki.admin.cert, 'utf8'), readFile(pki.admin.key, 'utf8')]);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort('127.0.0.1');
    const server = serverUrl('127.0.0.1', port);
    const args = [...apiServerArgs({ etcdUrl: info.etcdUrl, bindAddress: '127.0.0.1', port, pki, certDir: join(info.dir, `apiserver-replica-${port}-certs`) }), ...extraArgs];
    const log = join(info.dir, `kube-apiserver-replica-${port}.log`);
    const proc = startProcess('kube-apiserver-replica', findTools().KUBE_APISERVER, args, log);
    // Before it is ready: a caller that sends clients at once sees what clients of a restarted API
    // server see (refused connections, then answers while it still loads, e.g. RBAC).
    starting?.(server);
    try {
      await waitFor('kube-apiserver replica', async () => (await httpsGet(`${server}/readyz`, { ca, cert, key })).status === 200, { timeoutMs, proc, intervalMs: 100 });
      return { server, proc, stop: () => proc.stop(5000) };
    } catch (e) {
      const checks = await httpsGet(`${server}/readyz?verbose`, { ca, cert, key }).then((r) => r.body.split('\n').filter((l) => l.includes('failed')).join('; '), () => 'no answer');
      await proc.stop(2000);
      const err = new Error(`kube-apiserver replica on port ${port} not ready (attempt ${attempt}/${attempts}): ${e instanceof Error ? e.message : String(e)}; failing checks: ${checks || 'none'}; log ${log}`);
      if (attempt >= attempts) throw err;
      process.stderr.write(`${err.message}; trying again\n`);
    }
  }
}
