// The metallb.io/v1beta1 resources l2lb reads and writes, with MetalLB's JSON field names exactly, so
// a migrating user's YAML works unchanged. Everything a user may omit is optional here: these types
// describe what arrives from the API server, and validation (validate.ts) decides what it means.
export const METALLB_GROUP = 'metallb.io';
export const METALLB_VERSION = 'v1beta1';
export const METALLB_API_VERSION = `${METALLB_GROUP}/${METALLB_VERSION}`;

export type Labels = Readonly<Record<string, string>>;

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string; // In | NotIn | Exists | DoesNotExist; anything else is reported as invalid
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** The part of ObjectMeta validation and status writes need; V1ObjectMeta is assignable to it. */
export interface ObjectMetaLike {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: Date | string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
}

export interface ServiceAllocation {
  /** Lower wins; 0 (unset) ranks after every pool with a priority. */
  readonly priority?: number;
  readonly namespaces?: readonly string[];
  readonly namespaceSelectors?: readonly LabelSelector[];
  readonly serviceSelectors?: readonly LabelSelector[];
}

export interface IPAddressPoolSpec {
  readonly addresses?: readonly string[];
  /** Default true. */
  readonly autoAssign?: boolean;
  /** Default false. */
  readonly avoidBuggyIPs?: boolean;
  readonly serviceAllocation?: ServiceAllocation;
}

/** l2lb's Ready/Invalid condition on a pool; an extension next to MetalLB's counters. */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface IPAddressPoolStatus {
  readonly assignedIPv4: number;
  readonly assignedIPv6: number;
  readonly availableIPv4: number;
  readonly availableIPv6: number;
  readonly conditions?: readonly Condition[];
  /** l2lb's own: the last spec it accepted for this pool object (uid), served while an edit is invalid. */
  readonly lastValid?: LastValidSpec;
}

export interface LastValidSpec {
  /** The pool object the spec belongs to: a pool deleted and recreated under its name does not inherit it. */
  readonly uid: string;
  readonly spec: IPAddressPoolSpec;
}

export interface IPAddressPool {
  readonly apiVersion?: string;
  readonly kind?: 'IPAddressPool';
  readonly metadata: ObjectMetaLike;
  readonly spec?: IPAddressPoolSpec;
  readonly status?: IPAddressPoolStatus;
}

export interface L2AdvertisementSpec {
  readonly ipAddressPools?: readonly string[];
  readonly ipAddressPoolSelectors?: readonly LabelSelector[];
  readonly nodeSelectors?: readonly LabelSelector[];
  readonly interfaces?: readonly string[];
  /** Only Services matching one of these are announced through this advertisement; empty: all. */
  readonly serviceSelectors?: readonly LabelSelector[];
  /** Weighted soft preferences for the announcing node, among the nodes nodeSelectors allow. */
  readonly preferredNodeSelectors?: readonly PreferredNodeSelector[];
}

/** MetalLB's PreferredNodeSelector, modelled on Kubernetes' PreferredSchedulingTerm. */
export interface PreferredNodeSelector {
  /** 1-100; weights of several matching preferences add up. */
  readonly weight: number;
  readonly preference: LabelSelector;
}

export interface L2Advertisement {
  readonly apiVersion?: string;
  readonly kind?: 'L2Advertisement';
  readonly metadata: ObjectMetaLike;
  readonly spec?: L2AdvertisementSpec;
}

/**
 * The legacy AddressPool (OpenShift documents it). Only protocol layer2 is served; such a pool is
 * announced without an L2Advertisement, as it was before IPAddressPool existed.
 */
export interface AddressPoolSpec {
  readonly protocol?: string;
  readonly addresses?: readonly string[];
  readonly autoAssign?: boolean;
  readonly avoidBuggyIPs?: boolean;
}

export interface AddressPool {
  readonly apiVersion?: string;
  readonly kind?: 'AddressPool';
  readonly metadata: ObjectMetaLike;
  readonly spec?: AddressPoolSpec;
}

export interface InterfaceInfo {
  readonly name?: string;
}

/** MetalLB's MetalLBServiceL2Status: the node that answers for a Service, and on which interfaces. */
export interface MetalLBServiceL2Status {
  readonly node?: string;
  readonly serviceName?: string;
  readonly serviceNamespace?: string;
  readonly interfaces?: readonly InterfaceInfo[];
}

export interface ServiceL2Status {
  readonly apiVersion?: string;
  readonly kind?: 'ServiceL2Status';
  readonly metadata: ObjectMetaLike;
  readonly spec?: Record<string, never>;
  readonly status?: MetalLBServiceL2Status;
}

export type PoolKind = 'IPAddressPool' | 'AddressPool';

/** Service annotations, stable spelling first; the metallb.universe.tf spelling is deprecated. */
export const ANNOTATION = {
  addressPool: 'metallb.io/address-pool',
  loadBalancerIPs: 'metallb.io/loadBalancerIPs',
  allowSharedIP: 'metallb.io/allow-shared-ip',
  ipAllocatedFromPool: 'metallb.io/ip-allocated-from-pool',
} as const;

export const DEPRECATED_ANNOTATION_PREFIX = 'metallb.universe.tf/';

export const DEPRECATED_ANNOTATION = {
  addressPool: 'metallb.universe.tf/address-pool',
  loadBalancerIPs: 'metallb.universe.tf/loadBalancerIPs',
  allowSharedIP: 'metallb.universe.tf/allow-shared-ip',
  ipAllocatedFromPool: 'metallb.universe.tf/ip-allocated-from-pool',
} as const;
