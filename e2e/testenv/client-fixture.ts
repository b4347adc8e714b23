// What an integration test file of the Kubernetes client needs around its tests: an admin client
// (l2lb's own), its own namespace and a scratch directory, made before its tests and removed after.
// Registers jest's beforeAll/afterAll; call it at the top level of a test file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeClient, type KubeClient } from '../../shared/k8s/client.js';
import type { TestenvInfo } from './jest-info.js';
import { ensureNamespace } from './namespaces.js';

export interface ClientFixture {
  readonly dir: string;
  readonly admin: KubeClient;
}

export function useClientFixture(info: TestenvInfo, namespace: string): ClientFixture {
  let dir: string | undefined;
  let admin: KubeClient | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `l2lb-${namespace}-`));
    admin = loadKubeClient(info.adminKubeconfigPath);
    await ensureNamespace(admin, namespace);
  });
  afterAll(async () => {
    await admin?.delete(`/api/v1/namespaces/${namespace}`).catch(() => undefined);
    admin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the client fixture is used before its beforeAll ran');
    return v;
  };
  return {
    get dir() {
      return ready(dir);
    },
    get admin() {
      return ready(admin);
    },
  };
}
