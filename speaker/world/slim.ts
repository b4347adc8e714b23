// What the speaker keeps of the objects it watches. Its caches hold every Service, EndpointSlice
// and ServiceL2Status of the cluster (thousands of each), for as long as it runs, and it needs a
// handful of fields of each. Everything election-input.ts, status/plan.ts and the Event code read
// is kept; a test holds the election's input to be the same from slim and from full objects.
//
// How the objects are built matters as much as what they keep (measured at 5,000 Services):
// - Every object literal has one fixed shape, absent fields as undefined. Built from conditional
//   spreads (`...(x === undefined ? {} : { x })`), V8 gave each object its own hidden class once
//   the spread sites went generic: 41,000 hidden classes and descriptor arrays, ~10 MB.
// - Repeated values are kept once (intern.ts): namespaces, node names, types, pool names, and
//   whole endpoint records, of which a cluster has a few per node.
import type { V1EndpointSlice, V1ObjectMeta, V1Service } from '@kubernetes/client-node';
import type { ServiceL2Status } from '../../shared/api/types.js';
import type { Typed } from '../../shared/k8s/informer.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SERVICE_NAMESPACE } from '../status/plan.js';
import { SPREAD_ANNOTATION } from '../spread/settings.js';
import { POOL_ANNOTATION, SHARING_ANNOTATIONS } from './election-input.js';
import { Interner, StringInterner } from './intern.js';

const SLICE_SERVICE_LABEL = 'kubernetes.io/service-name';
const KEPT_ANNOTATIONS: readonly string[] = [POOL_ANNOTATION, ...SHARING_ANNOTATIONS, SPREAD_ANNOTATION];

type Endpoint = NonNullable<V1EndpointSlice['endpoints']>[number];
type ServicePorts = NonNullable<NonNullable<V1Service['spec']>['ports']>;

const portsKept = (svc: V1Service): unknown => svc.spec?.ports?.map((p) => [p.protocol ?? null, p.port]) ?? null;

export interface Slimmers {
  readonly service: (svc: V1Service) => V1Service;
  readonly endpointSlice: (slice: V1EndpointSlice) => V1EndpointSlice;
  readonly l2Status: (obj: Typed<ServiceL2Status>) => Typed<ServiceL2Status>;
}

type InterfaceList = NonNullable<ServiceL2Status['status']>['interfaces'];

/** One set per speaker: its three caches share the interned values. */
export function createSlimmers(strings = new StringInterner()): Slimmers {
  // Bounded: a cluster has a few per node; past the bound, objects are simply not shared.
  const endpoints = new Interner<Endpoint>(4_096);
  const endpointLists = new Interner<Endpoint[]>(4_096);
  const interfaceLists = new Interner<InterfaceList>(1_024);
  const specs = new Interner<NonNullable<V1Service['spec']>>(1_024);
  const poolAnnotations = new Interner<Record<string, string>>(1_024);
  const labelSets = new Interner<Record<string, string>>(4_096);
  const s = <S extends string | undefined>(v: S): S => strings.intern(v);

  /**
   * A Service's identity and versioning (the cache and relist diffing need these), uid for Events,
   * labels for L2Advertisement serviceSelectors.
   */
  const serviceMeta = (m: V1ObjectMeta | undefined, annotations: Record<string, string> | undefined): V1ObjectMeta => ({
    name: m?.name,
    namespace: s(m?.namespace),
    uid: m?.uid,
    resourceVersion: m?.resourceVersion,
    deletionTimestamp: m?.deletionTimestamp,
    annotations,
    labels: m?.labels === undefined ? undefined : labelSets.get(JSON.stringify(m.labels), () => Object.freeze({ ...m.labels })),
  });

  /** The annotations the speaker reads (pool, sharing, flow spreading): a few distinct combinations, one frozen object each. */
  const keptAnnotations = (all: Record<string, string> | undefined): Record<string, string> | undefined => {
    const kept = KEPT_ANNOTATIONS.flatMap((k) => (all?.[k] === undefined ? [] : [[k, all[k]] as const]));
    if (kept.length === 0) return undefined;
    return poolAnnotations.get(JSON.stringify(kept), () => Object.freeze(Object.fromEntries(kept.map(([k, v]) => [k, s(v)]))));
  };

  const service = (svc: V1Service): V1Service => {
    const ingress = svc.status?.loadBalancer?.ingress;
    return {
      // The annotations and the spec fields kept take a few distinct values: one frozen object each.
      metadata: serviceMeta(svc.metadata, keptAnnotations(svc.metadata?.annotations)),
      spec: specs.get(JSON.stringify([svc.spec?.type ?? null, svc.spec?.loadBalancerClass ?? null, svc.spec?.externalTrafficPolicy ?? null, svc.spec?.externalIPs ?? null, portsKept(svc)]), () =>
        Object.freeze({
          type: s(svc.spec?.type),
          loadBalancerClass: s(svc.spec?.loadBalancerClass),
          externalTrafficPolicy: s(svc.spec?.externalTrafficPolicy),
          externalIPs: svc.spec?.externalIPs === undefined ? undefined : Object.freeze([...svc.spec.externalIPs]) as string[],
          // Flow spreading matches the Service's ports (speaker/spread); protocol and number only.
          ports: svc.spec?.ports === undefined ? undefined : Object.freeze(svc.spec.ports.map((p) => Object.freeze({ port: p.port, protocol: s(p.protocol) }))) as ServicePorts,
        }),
      ),
      status: { loadBalancer: { ingress: ingress?.flatMap((i) => (i.ip === undefined ? [] : [{ ip: i.ip }])) } },
    };
  };

  // JSON: unambiguous whatever the names contain.
  const endpointKey = (ep: Endpoint): string => {
    const c = ep.conditions ?? undefined;
    return JSON.stringify([ep.nodeName ?? null, c === undefined ? null : [c.ready ?? null, c.serving ?? null, c.terminating ?? null]]);
  };

  const endpoint = (ep: Endpoint, key: string): Endpoint => {
    const c = ep.conditions ?? undefined;
    return endpoints.get(key, () =>
      Object.freeze({
        // Required by the type; the election never reads addresses, so one empty list is shared.
        addresses: NO_ADDRESSES,
        nodeName: s(ep.nodeName),
        conditions: c === undefined ? undefined : Object.freeze({ ready: c.ready, serving: c.serving, terminating: c.terminating }),
      }),
    );
  };

  const endpointSlice = (slice: V1EndpointSlice): V1EndpointSlice => {
    const svc = slice.metadata?.labels?.[SLICE_SERVICE_LABEL];
    const eps = slice.endpoints ?? [];
    const keys = eps.map(endpointKey);
    const m = slice.metadata;
    return {
      // No uid or deletion mark: nothing reads them for slices.
      metadata: { name: m?.name, namespace: s(m?.namespace), resourceVersion: m?.resourceVersion, labels: svc === undefined ? undefined : { [SLICE_SERVICE_LABEL]: svc } },
      addressType: s(slice.addressType),
      // Slices listing the same endpoint records share one (frozen) array too.
      endpoints: endpointLists.get(keys.join(','), () => Object.freeze(eps.map((ep, i) => endpoint(ep, keys[i]!))) as Endpoint[]),
    };
  };

  /** What status/plan.ts compares and the janitor needs: ownership labels, name, version, status. */
  const l2Status = (obj: Typed<ServiceL2Status>): Typed<ServiceL2Status> => {
    const l = obj.metadata.labels;
    const st = obj.status;
    return {
      metadata: {
        name: obj.metadata.name,
        namespace: s(obj.metadata.namespace),
        resourceVersion: obj.metadata.resourceVersion,
        // A missing label stays a key with no value (one shape for all); readers see undefined either way.
        labels: l === undefined ? undefined : ({ [LABEL_MANAGED_BY]: s(l[LABEL_MANAGED_BY]), [LABEL_SERVICE_NAME]: l[LABEL_SERVICE_NAME], [LABEL_SERVICE_NAMESPACE]: s(l[LABEL_SERVICE_NAMESPACE]) } as Record<string, string>),
      },
      status: st === undefined ? undefined : {
        node: s(st.node),
        // The same text as the label, usually: kept once.
        serviceName: l !== undefined && st.serviceName === l[LABEL_SERVICE_NAME] ? l[LABEL_SERVICE_NAME] : st.serviceName,
        serviceNamespace: s(st.serviceNamespace),
        interfaces: st.interfaces === undefined ? undefined : interfaceLists.get(JSON.stringify(st.interfaces.map((i) => i.name ?? null)), () => Object.freeze(st.interfaces!.map((i) => Object.freeze({ name: s(i.name) })))),
      },
    };
  };

  return { service, endpointSlice, l2Status };
}

const NO_ADDRESSES: string[] = Object.freeze([]) as unknown as string[];
