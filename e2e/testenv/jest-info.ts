// What jest's global setup hands to the integration tests: a JSON file named by an environment
// variable (workers inherit the environment; they cannot share the setup's objects).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from './control-plane.js';
import { serviceAccountKubeconfigText } from './service-accounts.js';

export const TESTENV_FILE_ENV = 'L2LB_TESTENV_FILE';

export interface TestenvInfo {
  readonly server: string;
  readonly etcdUrl: string;
  readonly adminKubeconfigPath: string;
  readonly caPem: string;
  readonly dir: string;
  readonly startMs: number;
}

export async function writeTestenvInfo(cp: ControlPlane): Promise<string> {
  const info: TestenvInfo = { server: cp.server, etcdUrl: cp.etcdUrl, adminKubeconfigPath: cp.adminKubeconfigPath, caPem: cp.caPem, dir: cp.dir, startMs: cp.startMs };
  const path = join(cp.dir, 'testenv.json');
  await writeFile(path, JSON.stringify(info, null, 2));
  return path;
}

export class NoTestenvError extends Error {
  override readonly name = 'NoTestenvError';
}

export interface JestTestenv extends TestenvInfo {
  /** A fresh admin (system:masters) KubeConfig. */
  kubeConfig(): KubeConfig;
  /** KubeConfig of ServiceAccount `name` in `namespace` (both created if missing; no RBAC granted). */
  serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig>;
  /** Same, as kubeconfig YAML (to hand to a child process). */
  serviceAccountKubeconfigText(namespace: string, name: string): Promise<string>;
}

/** The control plane jest's global setup started, for use inside an integration test file. */
export function testenvFromJest(): JestTestenv {
  const file = process.env[TESTENV_FILE_ENV];
  if (!file) throw new NoTestenvError(`${TESTENV_FILE_ENV} is not set: run integration tests with \`--selectProjects integration\` so jest's global setup starts the control plane`);
  const info = JSON.parse(readFileSync(file, 'utf8')) as TestenvInfo;
  const kubeConfig = (): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromFile(info.adminKubeconfigPath);
    return kc;
  };
  const saText = (namespace: string, name: string): Promise<string> => serviceAccountKubeconfigText(kubeConfig(), info.caPem, namespace, name);
  return {
    ...info,
    kubeConfig,
    serviceAccountKubeconfigText: saText,
    async serviceAccountKubeConfig(namespace, name) {
      const kc = new KubeConfig();
      kc.loadFromString(await saText(namespace, name));
      return kc;
    },
  };
}
