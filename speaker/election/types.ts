// Inputs and outputs of the election: plain data the speaker shell builds from its informers.
// Only the fields the election reads, so the pure core stays independent of the Kubernetes client.

import type { L2AdvertisementSpec, LabelSelector, Labels, PreferredNodeSelector } from '../../shared/api/types.js';

export type { LabelSelector, Labels, PreferredNodeSelector };

export interface NodeInfo {
  readonly name: string;
  readonly labels: Labels;
  readonly conditions: readonly { readonly type: string; readonly status: string }[];
}

/** One endpoint of an EndpointSlice; the conditions keep Kubernetes' "nil means unknown". */
export interface EndpointInfo {
  readonly nodeName?: string | null;
  readonly ready?: boolean | null;
  readonly serving?: boolean | null;
  readonly terminating?: boolean | null;
}

export type TrafficPolicy = 'Cluster' | 'Local';

export interface ServiceInfo {
  /** namespace/name */
  readonly key: string;
  /** The IPs to announce (status.loadBalancer.ingress order); the first one keys the election. */
  readonly ips: readonly string[];
  /** The pool the IPs came from (metallb.io/ip-allocated-from-pool), null when unknown. */
  readonly pool: string | null;
  readonly externalTrafficPolicy: TrafficPolicy;
  /** Endpoints of all the Service's EndpointSlices, flattened. */
  readonly endpoints: readonly EndpointInfo[];
  /** The Service's labels, for L2Advertisement serviceSelectors (absent: none). */
  readonly labels?: Labels;
  /** The Service asks to share its IP (allow-shared-ip annotation, either spelling). */
  readonly allowsSharedIp?: boolean;
}

export interface PoolInfo {
  readonly name: string;
  readonly labels: Labels;
  /** A legacy `AddressPool` with `protocol: layer2`: announced from every node without an L2Advertisement. */
  readonly legacyLayer2?: boolean;
}

/**
 * An L2Advertisement as the election reads it: the spec's selectors (which pools, nodes and
 * Services it covers, which nodes it prefers); `interfaces` matter only to the announcer.
 */
export interface L2AdvertisementInfo extends Omit<L2AdvertisementSpec, 'interfaces'> {
  readonly name: string;
}

export interface ElectionInput {
  readonly services: readonly ServiceInfo[];
  readonly nodes: readonly NodeInfo[];
  /** Speakers membership considers alive (this node included). */
  readonly alivePeers: ReadonlySet<string>;
  readonly pools: readonly PoolInfo[];
  readonly l2Advertisements: readonly L2AdvertisementInfo[];
  /** MetalLB's --ignore-exclude-lb: keep nodes labelled exclude-from-external-load-balancers. */
  readonly ignoreExcludeLabel?: boolean;
}

export type ElectionReason =
  | 'elected' // owner is set
  | 'noIps' // the Service has no IP yet
  | 'badIp' // an IP does not parse (status written by someone else)
  | 'noPool' // the pool is unknown to this speaker
  | 'noL2Advertisement' // no L2Advertisement selects the pool: MetalLB's most common trap
  | 'notSelectedByL2Advertisement' // advertisements select the pool, but none selects the Service (serviceSelectors)
  | 'sharedIpWithServiceSelectors' // allow-shared-ip on a Service an advertisement selects by serviceSelectors (MetalLB refuses it)
  | 'noEndpoints' // no ready (or serving) endpoint anywhere
  | 'noCandidates'; // endpoints exist, but no alive eligible node can announce

export interface ElectionResult {
  readonly owner: string | null;
  readonly reason: ElectionReason;
  /**
   * Eligible nodes in election order (owner first); empty unless the Service wants announcing.
   * For sharedIpWithServiceSelectors: the order it would have had, so exactly one speaker (the
   * first) reports the refusal.
   */
  readonly candidates: readonly string[];
  /** The canonical IP the ranking hashed (shared by every Service of the group), null if none. */
  readonly keyIp: string | null;
}
