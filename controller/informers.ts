// The controller's view of the cluster: Services and Namespaces cluster-wide, the pools and
// L2Advertisements in the install namespace. Each informer restarts itself on errors.
import { CoreV1Api, type KubeConfig, type V1Namespace, type V1Service } from '@kubernetes/client-node';
import type { AddressPool, IPAddressPool, L2Advertisement } from '../shared/api/types.js';
import { metallbLister, metallbPath } from '../shared/k8s/custom.js';
import { RestartingInformer, type InformerLifecycle, type Typed } from '../shared/k8s/informer.js';
import type { Logger } from '../shared/log.js';

export type { Typed } from '../shared/k8s/informer.js';

export interface ControllerInformers {
  readonly services: RestartingInformer<V1Service>;
  readonly namespaces: RestartingInformer<V1Namespace>;
  readonly pools: RestartingInformer<Typed<IPAddressPool>>;
  readonly legacyPools: RestartingInformer<Typed<AddressPool>>;
  readonly advertisements: RestartingInformer<Typed<L2Advertisement>>;
}

export function controllerInformers(kc: KubeConfig, namespace: string, log: Logger): ControllerInformers {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    services: new RestartingInformer<V1Service>(kc, { name: 'services', path: '/api/v1/services', list: () => core.listServiceForAllNamespaces() }, log),
    namespaces: new RestartingInformer<V1Namespace>(kc, { name: 'namespaces', path: '/api/v1/namespaces', list: () => core.listNamespace() }, log),
    pools: new RestartingInformer(kc, { name: 'ipaddresspools', path: metallbPath(namespace, 'ipaddresspools'), list: metallbLister<Typed<IPAddressPool>>(kc, namespace, 'ipaddresspools') }, log),
    legacyPools: new RestartingInformer(kc, { name: 'addresspools', path: metallbPath(namespace, 'addresspools'), list: metallbLister<Typed<AddressPool>>(kc, namespace, 'addresspools') }, log),
    advertisements: new RestartingInformer(kc, { name: 'l2advertisements', path: metallbPath(namespace, 'l2advertisements'), list: metallbLister<Typed<L2Advertisement>>(kc, namespace, 'l2advertisements') }, log),
  };
}

export const allInformers = (i: ControllerInformers): InformerLifecycle[] => [i.services, i.namespaces, i.pools, i.legacyPools, i.advertisements];
