// Installs the chart's CRDs (charts/l2lb/crds/*.yaml) and waits until the API server serves them.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { rawJson, rawRequest, RawApiError } from './raw-api.js';
import { waitFor } from './wait.js';

export class CrdFileError extends Error {
  override readonly name = 'CrdFileError';
}

/** Every CustomResourceDefinition document in the YAML files of `dir`, in file-name order. */
export async function loadCrds(dir: string): Promise<V1CustomResourceDefinition[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const crds: V1CustomResourceDefinition[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
      if (doc.errors.length > 0) throw new CrdFileError(`${f}: ${doc.errors[0]!.message}`);
      const obj: unknown = doc.toJS();
      if (obj === null || obj === undefined) continue;
      const crd = obj as V1CustomResourceDefinition;
      if (crd.kind !== 'CustomResourceDefinition') throw new CrdFileError(`${f}: kind ${String(crd.kind)} is not a CustomResourceDefinition`);
      crds.push(crd);
    }
  }
  return crds;
}

function established(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/**
 * Creates each CRD or replaces the stored one, then waits for all to be Established. Sent as raw
 * JSON: client-node's typed serializer would drop `default`, `enum` and `x-kubernetes-*` fields.
 */
export async function installCrds(kc: KubeConfig, dir: string, timeoutMs = 30_000): Promise<string[]> {
  const crds = await loadCrds(dir);
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    const res = await rawRequest(kc, 'POST', CRD_PATH, crd);
    if (res.status === 409) {
      const current = await rawJson<V1CustomResourceDefinition>(kc, 'GET', `${CRD_PATH}/${name}`);
      const body = { ...crd, metadata: { ...crd.metadata, name, resourceVersion: current.metadata?.resourceVersion } };
      await rawJson(kc, 'PUT', `${CRD_PATH}/${name}`, body);
    } else if (res.status < 200 || res.status > 299) {
      throw new RawApiError(res.status, res.body, `create CRD ${name}`);
    }
  }
  const names = crds.map((c) => c.metadata?.name ?? '');
  await waitFor(
    `CRDs ${names.join(', ')}`,
    async () => (await Promise.all(names.map((name) => rawJson<V1CustomResourceDefinition>(kc, 'GET', `${CRD_PATH}/${name}`)))).every(established),
    { timeoutMs, intervalMs: 50 },
  );
  return names;
}
