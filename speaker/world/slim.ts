// What the speaker keeps of the objects it watches. Its caches hold every Service and
// EndpointSlice of the cluster (thousands), and it needs a handful of fields of each: keeping the
// whole objects (ports, selectors, addresses, topology hints...) would cost several times the
// memory for nothing. Everything election-input.ts and the Event/status code read is kept; a
// test holds the election's input to be the same from slim and from full objects.
import type { V1EndpointSlice, V1ObjectMeta, V1Service } from '@kubernetes/client-node';
import { POOL_ANNOTATION } from './election-input.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Identity and versioning: the informer's cache and relist diffing need these. */
function slimMeta(m: V1ObjectMeta | undefined, keep: { annotations?: readonly string[]; labels?: readonly string[] }): V1ObjectMeta {
  const pick = (from: Record<string, string> | undefined, keys: readonly string[] | undefined): Record<string, string> | undefined => {
    if (!from || !keys) return undefined;
    const out: Record<string, string> = {};
    for (const k of keys) if (Object.hasOwn(from, k)) out[k] = from[k] as string;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const annotations = pick(m?.annotations, keep.annotations);
  const labels = pick(m?.labels, keep.labels);
  return {
    ...(m?.name === undefined ? {} : { name: m.name }),
    ...(m?.namespace === undefined ? {} : { namespace: m.namespace }),
    ...(m?.uid === undefined ? {} : { uid: m.uid }),
    ...(m?.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
    ...(m?.deletionTimestamp === undefined ? {} : { deletionTimestamp: m.deletionTimestamp }),
    ...(annotations ? { annotations } : {}),
    ...(labels ? { labels } : {}),
  };
}

export function slimService(svc: V1Service): V1Service {
  const spec = svc.spec;
  const ingress = svc.status?.loadBalancer?.ingress;
  return {
    ...(svc.apiVersion === undefined ? {} : { apiVersion: svc.apiVersion }),
    ...(svc.kind === undefined ? {} : { kind: svc.kind }),
    metadata: slimMeta(svc.metadata, { annotations: [POOL_ANNOTATION] }),
    spec: {
      ...(spec?.type === undefined ? {} : { type: spec.type }),
      ...(spec?.loadBalancerClass === undefined ? {} : { loadBalancerClass: spec.loadBalancerClass }),
      ...(spec?.externalTrafficPolicy === undefined ? {} : { externalTrafficPolicy: spec.externalTrafficPolicy }),
    },
    ...(ingress === undefined ? {} : { status: { loadBalancer: { ingress: ingress.flatMap((i) => (i.ip === undefined ? [] : [{ ip: i.ip }])) } } }),
  };
}

export function slimEndpointSlice(slice: V1EndpointSlice): V1EndpointSlice {
  return {
    ...(slice.apiVersion === undefined ? {} : { apiVersion: slice.apiVersion }),
    ...(slice.kind === undefined ? {} : { kind: slice.kind }),
    metadata: slimMeta(slice.metadata, { labels: [SERVICE_NAME_LABEL] }),
    addressType: slice.addressType,
    endpoints: (slice.endpoints ?? []).map((ep) => ({
      // Required by the type; the election never reads addresses, so one empty list is shared.
      addresses: NO_ADDRESSES,
      ...(ep.nodeName === undefined ? {} : { nodeName: ep.nodeName }),
      ...(ep.conditions === undefined ? {} : { conditions: { ...(ep.conditions.ready === undefined ? {} : { ready: ep.conditions.ready }), ...(ep.conditions.serving === undefined ? {} : { serving: ep.conditions.serving }), ...(ep.conditions.terminating === undefined ? {} : { terminating: ep.conditions.terminating }) } }),
    })),
  };
}

const NO_ADDRESSES: string[] = [];
