// The speaker's view: what election needs (Services, EndpointSlices, Nodes, pools,
// L2Advertisements), who its peers are (speaker Pods), the heartbeat key (one Secret, by name),
// and the ServiceL2Status objects it maintains.
import { CoreV1Api, DiscoveryV1Api, type KubeConfig, type V1EndpointSlice, type V1Node, type V1Pod, type V1Secret, type V1Service } from '@kubernetes/client-node';
import type { AddressPool, IPAddressPool, L2Advertisement, ServiceL2Status } from '../shared/api/types.js';
import { metallbLister, metallbPath } from '../shared/k8s/custom.js';
import { RestartingInformer, type InformerLifecycle, type Typed } from '../shared/k8s/informer.js';
import type { Logger } from '../shared/log.js';

export interface SpeakerInformers {
  readonly services: RestartingInformer<V1Service>;
  readonly endpointSlices: RestartingInformer<V1EndpointSlice>;
  readonly nodes: RestartingInformer<V1Node>;
  readonly pools: RestartingInformer<Typed<IPAddressPool>>;
  readonly legacyPools: RestartingInformer<Typed<AddressPool>>;
  readonly advertisements: RestartingInformer<Typed<L2Advertisement>>;
  readonly statuses: RestartingInformer<Typed<ServiceL2Status>>;
  readonly speakers: RestartingInformer<V1Pod>;
  readonly secret: RestartingInformer<V1Secret>;
}

export interface SpeakerInformerOptions {
  readonly namespace: string;
  readonly speakerSelector: string;
  readonly secretName: string;
}

export function speakerInformers(kc: KubeConfig, o: SpeakerInformerOptions, log: Logger): SpeakerInformers {
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const ns = o.namespace;
  const secretField = `metadata.name=${o.secretName}`;
  return {
    services: new RestartingInformer<V1Service>(kc, { name: 'services', path: '/api/v1/services', list: () => core.listServiceForAllNamespaces() }, log),
    endpointSlices: new RestartingInformer<V1EndpointSlice>(kc, { name: 'endpointslices', path: '/apis/discovery.k8s.io/v1/endpointslices', list: () => discovery.listEndpointSliceForAllNamespaces() }, log),
    nodes: new RestartingInformer<V1Node>(kc, { name: 'nodes', path: '/api/v1/nodes', list: () => core.listNode() }, log),
    pools: new RestartingInformer(kc, { name: 'ipaddresspools', path: metallbPath(ns, 'ipaddresspools'), list: metallbLister<Typed<IPAddressPool>>(kc, ns, 'ipaddresspools') }, log),
    legacyPools: new RestartingInformer(kc, { name: 'addresspools', path: metallbPath(ns, 'addresspools'), list: metallbLister<Typed<AddressPool>>(kc, ns, 'addresspools') }, log),
    advertisements: new RestartingInformer(kc, { name: 'l2advertisements', path: metallbPath(ns, 'l2advertisements'), list: metallbLister<Typed<L2Advertisement>>(kc, ns, 'l2advertisements') }, log),
    statuses: new RestartingInformer(kc, { name: 'servicel2statuses', path: metallbPath(ns, 'servicel2statuses'), list: metallbLister<Typed<ServiceL2Status>>(kc, ns, 'servicel2statuses') }, log),
    speakers: new RestartingInformer<V1Pod>(kc, { name: 'speakers', path: `/api/v1/namespaces/${ns}/pods`, labelSelector: o.speakerSelector, list: () => core.listNamespacedPod({ namespace: ns, labelSelector: o.speakerSelector }) }, log),
    secret: new RestartingInformer<V1Secret>(kc, { name: 'heartbeat-secret', path: `/api/v1/namespaces/${ns}/secrets`, fieldSelector: secretField, list: () => core.listNamespacedSecret({ namespace: ns, fieldSelector: secretField }) }, log),
  };
}

export const allSpeakerInformers = (i: SpeakerInformers): InformerLifecycle[] => Object.values(i) as InformerLifecycle[];
