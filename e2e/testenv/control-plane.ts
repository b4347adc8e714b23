// A real Kubernetes control plane for tests: etcd + kube-apiserver + kube-controller-manager on
// free ports, certificates from a fresh CA, the chart's CRDs installed. See README in this dir.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startApiServer, SERVICE_FIRST_IPS } from './apiserver.js';
import { makePki, servingSans } from './certs.js';
import { DIR_PREFIX, registerRun, sweepStale, unregisterRun, writeOwner, type LiveRun } from './cleanup.js';
import { startControllerManager } from './controller-manager.js';
import { installCrds } from './crds.js';
import { startEtcd } from './etcd.js';
import { renderKubeconfig } from './kubeconfig.js';
import type { ManagedProcess } from './proc.js';
import { serviceAccountKubeconfigText } from './service-accounts.js';
import { findTools, repoRoot } from './tools.js';
import { waitFor } from './wait.js';

export interface ControlPlaneOptions {
  /** Address the API server binds to and advertises; default 127.0.0.1. */
  readonly bindAddress?: string;
  /**
   * Address the `kubernetes` Service points at, when pods reach the API server elsewhere than at
   * bindAddress (real nodes: the lab's host address, forwarded to 127.0.0.1). Default bindAddress.
   */
  readonly advertiseAddress?: string;
  /** More IPs or DNS names for the serving certificate. */
  readonly extraSans?: readonly string[];
  /** Progress lines ("etcd ready after 412 ms"). */
  readonly log?: (line: string) => void;
  /** CRD directory; default charts/l2lb/crds of this repository. */
  readonly crdDir?: string;
  /** Whole-start timeout; default 120 s (a cold disk cache on CI is slow). */
  readonly timeoutMs?: number;
}

export interface ControlPlane {
  /** https URL of the API server. */
  readonly server: string;
  /** http URL of etcd's client endpoint (tests compact it, or start another API server on it). */
  readonly etcdUrl: string;
  readonly adminKubeconfigPath: string;
  readonly adminKubeConfig: KubeConfig;
  readonly caPem: string;
  /** The run's temp dir (certs, logs, etcd data); removed by stop(). */
  readonly dir: string;
  /** Milliseconds from the call to startControlPlane until everything was ready. */
  readonly startMs: number;
  /** PIDs of etcd, kube-apiserver, kube-controller-manager (each leads its own process group). */
  readonly pids: readonly number[];
  /**
   * Kubeconfig file (token from TokenRequest, valid 24 h) for ServiceAccount `name` in
   * `namespace`; creates the namespace and ServiceAccount if missing. No RBAC is granted.
   */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /** Stops every process (SIGTERM, SIGKILL after a grace period) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const t0 = Date.now();
  const log = opts.log ?? ((): void => {});
  const step = (what: string): void => log(`testenv: ${what} after ${Date.now() - t0} ms`);
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const tools = findTools();
  sweepStale();

  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  writeOwner(dir);
  // Every process ever spawned for this run, tracked at spawn time so a failed start leaks none.
  const procs: ManagedProcess[] = [];
  const track = (p: ManagedProcess): void => {
    procs.push(p);
  };
  let stopped: Promise<void> | undefined;
  const run: LiveRun = {
    dir,
    pgids: () => procs.map((p) => p.pid),
    stop: () => {
      // Reverse start order: controllers before the API server before etcd.
      stopped ??= (async () => {
        for (const p of [...procs].reverse()) await p.stop(5000);
        await rm(dir, { recursive: true, force: true });
        unregisterRun(run);
      })();
      return stopped;
    },
  };
  registerRun(run);

  try {
    const pki = await makePki(dir, servingSans(bindAddress, SERVICE_FIRST_IPS, opts.extraSans));
    const [caPem, adminCert, adminKey, kcmCert, kcmKey] = await Promise.all(
      [pki.ca.cert, pki.admin.cert, pki.admin.key, pki.controllerManager.cert, pki.controllerManager.key].map((p) => readFile(p, 'utf8')),
    ) as [string, string, string, string, string];
    step('certificates made');

    const etcd = await startEtcd(tools.ETCD, dir, timeoutMs, track);
    step('etcd ready');

    const api = await startApiServer({ binary: tools.KUBE_APISERVER, dir, etcdUrl: etcd.url, bindAddress, advertiseAddress: opts.advertiseAddress, pki, timeoutMs, track });
    step(`kube-apiserver ready at ${api.server}`);

    const adminKubeconfigPath = join(dir, 'admin.kubeconfig');
    await writeFile(adminKubeconfigPath, renderKubeconfig({ server: api.server, caPem, user: 'l2lb-admin', credentials: { kind: 'cert', certPem: adminCert, keyPem: adminKey } }), { mode: 0o600 });
    const kcmKubeconfigPath = join(dir, 'controller-manager.kubeconfig');
    await writeFile(kcmKubeconfigPath, renderKubeconfig({ server: api.server, caPem, user: 'system:kube-controller-manager', credentials: { kind: 'cert', certPem: kcmCert, keyPem: kcmKey } }), { mode: 0o600 });

    const adminKubeConfig = new KubeConfig();
    adminKubeConfig.loadFromString(await readFile(adminKubeconfigPath, 'utf8'));

    // The controller manager and the CRDs do not depend on each other: start both at once. Both
    // settle before a failure is thrown: a CRD refused while the controller manager was still
    // being spawned would otherwise stop the run first and leave that process behind.
    const [kcmStart, crds] = await Promise.allSettled([
      startControllerManager({
        binary: tools.KUBE_CONTROLLER_MANAGER,
        dir,
        kubeconfigPath: kcmKubeconfigPath,
        caCertPath: pki.ca.cert,
        serviceAccountKeyPath: pki.serviceAccount.key,
        timeoutMs,
        track,
      }),
      installCrds(adminKubeConfig, opts.crdDir ?? join(repoRoot(), 'charts/l2lb/crds'), timeoutMs).then((names) => step(`CRDs established (${names.length})`)),
    ]);
    if (crds.status === 'rejected') throw crds.reason;
    if (kcmStart.status === 'rejected') throw kcmStart.reason;
    const kcm = kcmStart.value;
    step('kube-controller-manager healthy');

    const core = adminKubeConfig.makeApiClient(CoreV1Api);
    // Pods cannot be created in a namespace before its `default` ServiceAccount exists.
    await waitFor('default ServiceAccount', async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    }, { timeoutMs, proc: kcm.proc, intervalMs: 100 });
    const startMs = Date.now() - t0;
    step('control plane ready');

    const serviceAccountKubeconfig = async (namespace: string, name: string): Promise<string> => {
      const path = join(dir, `sa-${namespace}-${name}.kubeconfig`);
      await writeFile(path, await serviceAccountKubeconfigText(adminKubeConfig, caPem, namespace, name), { mode: 0o600 });
      return path;
    };

    return {
      server: api.server,
      etcdUrl: etcd.url,
      adminKubeconfigPath,
      adminKubeConfig,
      caPem,
      dir,
      startMs,
      pids: [etcd.proc.pid, api.proc.pid, kcm.proc.pid],
      serviceAccountKubeconfig,
      stop: run.stop,
    };
  } catch (e) {
    await run.stop();
    throw e;
  }
}
