// kube-controller-manager with only the controllers l2lb's tests rely on: EndpointSlices for
// Services, namespace deletion, garbage collection (ownerReferences), ServiceAccounts and their
// tokens, and the kube-root-ca.crt ConfigMap pods use to trust the API server.
// No node-lifecycle controller: there are no kubelets to heartbeat, it would taint every Node.
import { join } from 'node:path';
import { httpsGet } from './https-probe.js';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './proc.js';
import { waitFor } from './wait.js';

/** Names as kube-controller-manager 1.35 --help lists them (the short aliases are deprecated). */
export const CONTROLLERS = [
  'endpointslice-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
] as const;

export interface ControllerManagerOptions {
  readonly binary: string;
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly caCertPath: string;
  readonly serviceAccountKeyPath: string;
  /** Default CONTROLLERS; real nodes add the workload and node-lifecycle controllers. */
  readonly controllers?: readonly string[];
  /** Name of its log file and process; default kube-controller-manager. */
  readonly name?: string;
  readonly timeoutMs?: number;
  /** Sees every process as soon as it is spawned, so a failed start can still be cleaned up. */
  readonly track?: (p: ManagedProcess) => void;
}

export interface ControllerManager {
  readonly healthz: string;
  readonly proc: ManagedProcess;
}

export function controllerManagerArgs(o: ControllerManagerOptions & { port: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfigPath}`,
    `--authentication-kubeconfig=${o.kubeconfigPath}`,
    `--authorization-kubeconfig=${o.kubeconfigPath}`,
    `--controllers=${(o.controllers ?? CONTROLLERS).join(',')}`,
    // As kubeadm: every controller acts under its own ServiceAccount, so RBAC is exercised as in production.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${o.serviceAccountKeyPath}`,
    `--root-ca-file=${o.caCertPath}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${o.port}`,
    `--cert-dir=${join(o.dir, 'controller-manager-certs')}`,
    // Fast EndpointSlice updates: tests wait on them.
    '--endpointslice-updates-batch-period=0s',
    '--profiling=false',
    '--v=1',
  ];
}

export async function startControllerManager(o: ControllerManagerOptions): Promise<ControllerManager> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort('127.0.0.1');
    const healthz = `https://127.0.0.1:${port}/healthz`;
    const name = o.name ?? 'kube-controller-manager';
    const proc = startProcess(name, o.binary, controllerManagerArgs({ ...o, port }), join(o.dir, `${name}.log`));
    o.track?.(proc);
    try {
      // Its serving cert is self-signed in cert-dir; this is a loopback health probe only.
      await waitFor('kube-controller-manager', async () => (await httpsGet(healthz, { insecure: true })).status === 200, {
        timeoutMs: o.timeoutMs ?? 60_000,
        proc,
        intervalMs: 100,
      });
      return { healthz, proc };
    } catch (e) {
      await proc.stop(2000);
      if (attempt >= 3) throw e;
    }
  }
}
