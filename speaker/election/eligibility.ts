// Which nodes may announce a Service's IPs: the candidate filters (alive, Node exists and is
// schedulable for load balancers, L2Advertisement node selectors, ready endpoints for Local), one function
// per rule so each can be read (and tested) alone.
import { anySelectorMatches } from './selector.js';
import type { EndpointInfo, L2AdvertisementInfo, NodeInfo, PoolInfo } from './types.js';

export const EXCLUDE_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** A node whose network Kubernetes reports broken would answer ARP for traffic it cannot deliver. */
export function networkUnavailable(node: NodeInfo): boolean {
  return node.conditions.some((c) => c.type === 'NetworkUnavailable' && c.status === 'True');
}

/** The label counts whatever its value, as in Kubernetes and MetalLB. */
export function excludedFromLoadBalancers(node: NodeInfo): boolean {
  return Object.hasOwn(node.labels, EXCLUDE_LABEL);
}

/** An L2Advertisement with neither pool names nor pool selectors selects every pool (MetalLB). */
export function advertisementSelectsPool(adv: L2AdvertisementInfo, pool: PoolInfo): boolean {
  const names = adv.ipAddressPools ?? [];
  const selectors = adv.ipAddressPoolSelectors ?? [];
  if (names.length === 0 && selectors.length === 0) return true;
  return names.includes(pool.name) || anySelectorMatches(selectors, pool.labels, false);
}

/**
 * Ready, as EndpointSlice consumers read it: an unset `ready` means ready (compatibility);
 * an endpoint not ready but serving and not terminating can take traffic too.
 */
export function endpointReady(ep: EndpointInfo): boolean {
  if (ep.ready !== false) return true;
  return ep.serving === true && ep.terminating !== true;
}

/** Serving while terminating: kube-proxy still sends traffic there when nothing is ready. */
export function endpointServing(ep: EndpointInfo): boolean {
  return endpointReady(ep) || ep.serving === true;
}

/**
 * The endpoints that count. Ready ones when there are any; otherwise the serving-but-terminating
 * ones (MetalLB counts those as active too), so a Service that is draining keeps its VIP
 * rather than going dark while its last pods finish. Empty: nobody announces.
 */
export function activeEndpoints(eps: readonly EndpointInfo[]): readonly EndpointInfo[] {
  const ready = eps.filter(endpointReady);
  return ready.length > 0 ? ready : eps.filter(endpointServing);
}

/** Nodes hosting an active endpoint: the only candidates under externalTrafficPolicy Local. */
export function nodesWithActiveEndpoint(active: readonly EndpointInfo[]): Set<string> {
  const out = new Set<string>();
  for (const ep of active) if (ep.nodeName) out.add(ep.nodeName);
  return out;
}
