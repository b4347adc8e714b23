// The speaker's view: what election needs (Services, EndpointSlices, Nodes, pools,
// L2Advertisements), who its peers are (speaker Pods), the heartbeat key (one Secret, by name),
// and the ServiceL2Status objects it maintains.
import type { V1EndpointSlice, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { AddressPool, IPAddressPool, L2Advertisement, ServiceL2Status } from '../shared/api/types.js';
import type { KubeClient } from '../shared/k8s/client.js';
import { metallbPath } from '../shared/k8s/custom.js';
import { RestartingInformer, type InformerLifecycle, type Typed } from '../shared/k8s/informer.js';
import type { Logger } from '../shared/log.js';
import { createSlimmers } from './world/slim.js';

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

export function speakerInformers(client: KubeClient, o: SpeakerInformerOptions, log: Logger): SpeakerInformers {
  const ns = o.namespace;
  // Every Service, EndpointSlice and ServiceL2Status of the cluster: only the fields the speaker reads are kept.
  const slim = createSlimmers();
  return {
    services: new RestartingInformer<V1Service>(client, { name: 'services', path: '/api/v1/services' }, log, { transform: slim.service }),
    endpointSlices: new RestartingInformer<V1EndpointSlice>(client, { name: 'endpointslices', path: '/apis/discovery.k8s.io/v1/endpointslices' }, log, { transform: slim.endpointSlice }),
    nodes: new RestartingInformer<V1Node>(client, { name: 'nodes', path: '/api/v1/nodes' }, log),
    pools: new RestartingInformer<Typed<IPAddressPool>>(client, { name: 'ipaddresspools', path: metallbPath(ns, 'ipaddresspools') }, log),
    legacyPools: new RestartingInformer<Typed<AddressPool>>(client, { name: 'addresspools', path: metallbPath(ns, 'addresspools') }, log),
    advertisements: new RestartingInformer<Typed<L2Advertisement>>(client, { name: 'l2advertisements', path: metallbPath(ns, 'l2advertisements') }, log),
    statuses: new RestartingInformer<Typed<ServiceL2Status>>(client, { name: 'servicel2statuses', path: metallbPath(ns, 'servicel2statuses') }, log, { transform: slim.l2Status }),
    speakers: new RestartingInformer<V1Pod>(client, { name: 'speakers', path: `/api/v1/namespaces/${ns}/pods`, labelSelector: o.speakerSelector }, log),
    secret: new RestartingInformer<V1Secret>(client, { name: 'heartbeat-secret', path: `/api/v1/namespaces/${ns}/secrets`, fieldSelector: `metadata.name=${o.secretName}` }, log),
  };
}

export const allSpeakerInformers = (i: SpeakerInformers): InformerLifecycle[] => Object.values(i) as InformerLifecycle[];
