// kube-apiserver for one test control plane, with the flags controller-runtime's envtest uses plus
// what l2lb needs: RBAC, ServiceAccount tokens, dual-stack Service ranges, privileged pods.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { httpsGet } from './https-probe.js';
import type { Pki } from './certs.js';
import { serverUrl } from './kubeconfig.js';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './proc.js';
import { waitFor } from './wait.js';

/** IPv4 first, so the `kubernetes` Service gets 10.96.0.1 as on most clusters. */
export const SERVICE_CIDRS = ['10.96.0.0/16', 'fd00:10:96::/108'] as const;
/** First address of each Service CIDR (the `kubernetes` Service), for the serving cert. */
export const SERVICE_FIRST_IPS = ['10.96.0.1', 'fd00:10:96::1'] as const;
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ApiServerOptions {
  readonly binary: string;
  readonly dir: string;
  readonly etcdUrl: string;
  readonly bindAddress: string;
  /** Address of the `kubernetes` Service's endpoint; default bindAddress. */
  readonly advertiseAddress?: string;
  readonly pki: Pki;
  readonly timeoutMs?: number;
  /** Sees every process as soon as it is spawned, so a failed start can still be cleaned up. */
  readonly track?: (p: ManagedProcess) => void;
}

export interface ApiServer {
  readonly server: string;
  readonly proc: ManagedProcess;
}

export function apiServerArgs(o: { etcdUrl: string; bindAddress: string; advertiseAddress?: string; port: number; pki: Pki; certDir: string }): string[] {
  return [
    `--etcd-servers=${o.etcdUrl}`,
    `--bind-address=${o.bindAddress}`,
    `--advertise-address=${o.advertiseAddress ?? o.bindAddress}`,
    `--secure-port=${o.port}`,
    `--cert-dir=${o.certDir}`,
    `--tls-cert-file=${o.pki.serving.cert}`,
    `--tls-private-key-file=${o.pki.serving.key}`,
    `--client-ca-file=${o.pki.ca.cert}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${o.pki.serviceAccount.pub}`,
    `--service-account-signing-key-file=${o.pki.serviceAccount.key}`,
    `--service-cluster-ip-range=${SERVICE_CIDRS.join(',')}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ];
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const [ca, cert, key] = await Promise.all([
    readFile(o.pki.ca.cert, 'utf8'),
    readFile(o.pki.admin.cert, 'utf8'),
    readFile(o.pki.admin.key, 'utf8'),
  ]);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(o.bindAddress);
    const server = serverUrl(o.bindAddress, port);
    const args = apiServerArgs({ etcdUrl: o.etcdUrl, bindAddress: o.bindAddress, advertiseAddress: o.advertiseAddress, port, pki: o.pki, certDir: join(o.dir, 'apiserver-certs') });
    const proc = startProcess('kube-apiserver', o.binary, args, join(o.dir, 'kube-apiserver.log'));
    o.track?.(proc);
    try {
      // /readyz covers etcd, RBAC bootstrap roles and the default ServiceCIDR.
      await waitFor('kube-apiserver', async () => (await httpsGet(`${server}/readyz`, { ca, cert, key })).status === 200, {
        timeoutMs: o.timeoutMs ?? 60_000,
        proc,
        intervalMs: 100,
      });
      return { server, proc };
    } catch (e) {
      await proc.stop(2000);
      if (attempt >= 3) throw e;
    }
  }
}
