// The Kubernetes objects shown in the operator docs are valid against the real API server and
// the chart's CRDs: each YAML document with apiVersion and kind in a ```yaml block is applied
// server-side as a dry run (nothing is stored).
import { ApiException, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { testenvFromJest } from '../e2e/testenv/jest-info.js';
import { repoRoot } from '../e2e/testenv/tools.js';
import { join } from 'node:path';
import { codeBlocks, markdownFiles } from './markdown.js';

const env = testenvFromJest();
const kc = env.kubeConfig();
const root = repoRoot();

interface Example {
  readonly where: string;
  readonly obj: KubernetesObject;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const file of markdownFiles(join(root, 'docs'))) {
    for (const block of codeBlocks(file, root).filter((b) => b.lang === 'yaml')) {
      for (const doc of parseAllDocuments(block.text)) {
        const v: unknown = doc.toJS();
        if (typeof v !== 'object' || v === null) continue;
        const o = v as KubernetesObject;
        if (o.apiVersion && o.kind) out.push({ where: `${block.file}: ${o.kind} ${o.metadata?.name ?? ''}`, obj: o });
      }
    }
  }
  return out;
}

// The docs use metallb-system and default; the dry runs go to a namespace of this test's own, so
// no other test's namespaces matter (every object in the docs is namespaced).
const ns = `docs-${Date.now().toString(36)}`;
const core = kc.makeApiClient(CoreV1Api);
beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

it('the docs show the pool, the L2Advertisement and the Service of the quick start', () => {
  const kinds = examples().map((e) => e.where);
  expect(kinds).toEqual(expect.arrayContaining([
    'docs/quick-start.md: IPAddressPool lan', 'docs/quick-start.md: L2Advertisement lan', 'docs/quick-start.md: Service web',
  ]));
});

it('every example object passes server-side validation (dry run)', async () => {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const failures: string[] = [];
  for (const e of examples()) {
    try {
      await api.patch({ ...e.obj, metadata: { ...e.obj.metadata, namespace: ns } }, undefined, 'All', 'l2lb-docs-test', true, PatchStrategy.ServerSideApply);
    } catch (err) {
      failures.push(`${e.where}: ${err instanceof ApiException ? String(err.body) : String(err)}`);
    }
  }
  expect(failures).toEqual([]);
});
