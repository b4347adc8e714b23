// Typed access to metallb.io custom resources. CustomObjectsApi returns untyped JSON; the shape is
// checked here, at the boundary, so the rest of the code can rely on the declared types.
import { CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { METALLB_GROUP, METALLB_VERSION } from '../api/types.js';

export type MetallbPlural = 'ipaddresspools' | 'addresspools' | 'l2advertisements' | 'servicel2statuses';

export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list response whose items are objects with metadata; anything else is a malformed response. */
export function asObjectList<T extends KubernetesObject>(body: unknown, what: string): KubernetesListObject<T> {
  if (!isObject(body) || !Array.isArray(body.items)) throw new MalformedResponseError(`${what}: list response has no items array`);
  for (const item of body.items) {
    if (!isObject(item) || !isObject(item.metadata)) throw new MalformedResponseError(`${what}: list item without metadata`);
  }
  return body as unknown as KubernetesListObject<T>;
}

export const metallbPath = (namespace: string, plural: MetallbPlural): string =>
  `/apis/${METALLB_GROUP}/${METALLB_VERSION}/namespaces/${namespace}/${plural}`;

export function metallbLister<T extends KubernetesObject>(kc: KubeConfig, namespace: string, plural: MetallbPlural): () => Promise<KubernetesListObject<T>> {
  const api = kc.makeApiClient(CustomObjectsApi);
  return async () => asObjectList<T>(await api.listNamespacedCustomObject({ group: METALLB_GROUP, version: METALLB_VERSION, namespace, plural }), plural);
}
