// The controller's view of the cluster: Services and Namespaces cluster-wide, the pools and
// L2Advertisements in the install namespace. Each informer restarts itself on errors.
import type { V1Namespace, V1Service } from '@kubernetes/client-node';
import type { AddressPool, IPAddressPool, L2Advertisement } from '../shared/api/types.js';
import type { KubeClient } from '../shared/k8s/client.js';
import { metallbPath } from '../shared/k8s/custom.js';
import { RestartingInformer, type CurrentInformer, type Typed } from '../shared/k8s/informer.js';
import type { Logger } from '../shared/log.js';

export type { Typed } from '../shared/k8s/informer.js';

export interface ControllerInformers {
  readonly services: RestartingInformer<V1Service>;
  readonly namespaces: RestartingInformer<V1Namespace>;
  readonly pools: RestartingInformer<Typed<IPAddressPool>>;
  readonly legacyPools: RestartingInformer<Typed<AddressPool>>;
  readonly advertisements: RestartingInformer<Typed<L2Advertisement>>;
}

export function controllerInformers(client: KubeClient, namespace: string, log: Logger): ControllerInformers {
  return {
    services: new RestartingInformer<V1Service>(client, { name: 'services', path: '/api/v1/services' }, log),
    namespaces: new RestartingInformer<V1Namespace>(client, { name: 'namespaces', path: '/api/v1/namespaces' }, log),
    pools: new RestartingInformer<Typed<IPAddressPool>>(client, { name: 'ipaddresspools', path: metallbPath(namespace, 'ipaddresspools') }, log),
    legacyPools: new RestartingInformer<Typed<AddressPool>>(client, { name: 'addresspools', path: metallbPath(namespace, 'addresspools') }, log),
    advertisements: new RestartingInformer<Typed<L2Advertisement>>(client, { name: 'l2advertisements', path: metallbPath(namespace, 'l2advertisements') }, log),
  };
}

export const allInformers = (i: ControllerInformers): CurrentInformer[] => [i.services, i.namespaces, i.pools, i.legacyPools, i.advertisements];
