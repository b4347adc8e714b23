// What the allocator needs to know about a Service, read once from the object (V1Service or any
// structurally equal value) so the allocator never touches Kubernetes types. Reading follows
// MetalLB's controller (service.go, k8salloc): the metallb.io spelling of an annotation wins over
// metallb.universe.tf, the IP family comes from clusterIPs, the backend key is the selector only
// for externalTrafficPolicy Local.
import { ANNOTATION, DEPRECATED_ANNOTATION, DEPRECATED_ANNOTATION_PREFIX, type Labels, type ObjectMetaLike } from '../../shared/api/types.js';
import { labelsToString } from '../../shared/api/selector.js';
import { formatIp, parseIp, type IpAddress, type IpFamily } from '../../shared/ip/address.js';

export interface ServicePortLike {
  readonly port?: number;
  readonly protocol?: string;
}

export interface ServiceSpecLike {
  readonly type?: string;
  readonly clusterIP?: string;
  readonly clusterIPs?: readonly string[];
  readonly ipFamilies?: readonly string[];
  readonly ipFamilyPolicy?: string;
  readonly loadBalancerIP?: string;
  readonly loadBalancerClass?: string;
  readonly externalTrafficPolicy?: string;
  readonly selector?: Labels;
  readonly ports?: readonly ServicePortLike[];
  readonly externalIPs?: readonly string[];
}

export interface ServiceLike {
  readonly metadata?: ObjectMetaLike;
  readonly spec?: ServiceSpecLike;
  readonly status?: { readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string; readonly hostname?: string }[] } };
}

export type FamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
/** MetalLB's ipfamily.Family for a Service: one family, or both. */
export type ServiceFamily = 'ipv4' | 'ipv6' | 'dual';

export interface ServiceRequest {
  /** "namespace/name": the allocator's identity for the Service. */
  readonly key: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly namespaceLabels: Labels;
  /** Undefined when clusterIPs are missing or malformed; familyError says why. */
  readonly family: ServiceFamily | undefined;
  readonly familyError?: string;
  readonly policy: FamilyPolicy;
  /** ipFamilies[0]: which family PreferDualStack falls back to first. */
  readonly primaryFamily: IpFamily;
  /** loadBalancerIPs annotation or spec.loadBalancerIP, parsed; empty when none or invalid. */
  readonly requestedIps: readonly IpAddress[];
  readonly requestError?: string;
  readonly desiredPool?: string;
  readonly sharingKey: string;
  readonly backendKey: string;
  /** "TCP/80": the unit of port conflicts on a shared IP. */
  readonly ports: readonly string[];
  /** metallb.universe.tf/* annotations present, each a reason for a deprecation Warning. */
  readonly deprecatedAnnotations: readonly string[];
}

const q = JSON.stringify;

/** Go's %q of a []net.IP: ["10.0.0.1" "::1"]. MetalLB's messages use it; users grep for them. */
export const quoteIps = (ips: readonly IpAddress[]): string => `[${ips.map((ip) => q(formatIp(ip))).join(' ')}]`;

function annotation(annotations: Labels, stable: string, deprecated: string): { key: string; value: string } | undefined {
  if (Object.prototype.hasOwnProperty.call(annotations, stable)) return { key: stable, value: annotations[stable]! };
  if (Object.prototype.hasOwnProperty.call(annotations, deprecated)) return { key: deprecated, value: annotations[deprecated]! };
  return undefined;
}

export function serviceFamily(spec: ServiceSpecLike): { family: ServiceFamily } | { error: string } {
  const ips = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const parsed = ips.map((t) => parseIp(t));
  const bad = `cannot determine the IP family of the service from clusterIPs ${q(ips)}`;
  if (parsed.length === 0 || parsed.length > 2) return { error: bad };
  const fams: IpFamily[] = [];
  for (const p of parsed) {
    if (!p.ok) return { error: bad };
    fams.push(p.value.family);
  }
  if (fams.length === 1) return { family: fams[0] === 4 ? 'ipv4' : 'ipv6' };
  if (fams[0] === fams[1]) return { error: bad };
  return { family: 'dual' };
}

function requestedIps(spec: ServiceSpecLike, annotations: Labels): { ips: IpAddress[]; error?: string } {
  const ann = annotation(annotations, ANNOTATION.loadBalancerIPs, DEPRECATED_ANNOTATION.loadBalancerIPs);
  const annText = ann?.value ?? '';
  const specText = spec.loadBalancerIP ?? '';
  if (annText === '' && specText === '') return { ips: [] };
  if (annText !== '' && specText !== '') {
    return { ips: [], error: `service can not have both ${ann!.key} and svc.Spec.LoadBalancerIP` };
  }
  if (annText === '') {
    const p = parseIp(specText);
    return p.ok ? { ips: [p.value] } : { ips: [], error: `invalid spec.loadBalancerIP ${q(specText)}` };
  }
  const ips: IpAddress[] = [];
  for (const part of annText.split(',')) {
    const p = parseIp(part.trim());
    if (!p.ok) return { ips: [], error: `invalid ${ann!.key}: ${q(annText)}` };
    ips.push(p.value);
  }
  if (ips.length > 2) {
    return { ips: [], error: `invalid ${ann!.key}: ${q(annText)}: at most two IPs, one IPv4 and one IPv6` };
  }
  if (ips.length === 2 && ips[0]!.family === ips[1]!.family) {
    return { ips: [], error: `invalid ${ann!.key}: ${q(annText)}: at most one IP per family, got two IPv${ips[0]!.family} addresses` };
  }
  return { ips };
}

function policyOf(text: string | undefined): FamilyPolicy {
  return text === 'PreferDualStack' || text === 'RequireDualStack' ? text : 'SingleStack';
}

export function serviceKey(meta: ObjectMetaLike | undefined): string {
  return `${meta?.namespace ?? ''}/${meta?.name ?? ''}`;
}

/** namespaceLabels: the labels of the Service's Namespace (for serviceAllocation.namespaceSelectors). */
export function readServiceRequest(svc: ServiceLike, namespaceLabels: Labels = {}): ServiceRequest {
  const meta = svc.metadata ?? {};
  const spec = svc.spec ?? {};
  const annotations = meta.annotations ?? {};
  const fam = serviceFamily(spec);
  const req = requestedIps(spec, annotations);
  const pool = annotation(annotations, ANNOTATION.addressPool, DEPRECATED_ANNOTATION.addressPool)?.value ?? '';
  return {
    key: serviceKey(meta),
    namespace: meta.namespace ?? '',
    labels: meta.labels ?? {},
    namespaceLabels,
    family: 'family' in fam ? fam.family : undefined,
    ...('error' in fam ? { familyError: fam.error } : {}),
    policy: policyOf(spec.ipFamilyPolicy),
    primaryFamily: spec.ipFamilies?.[0] === 'IPv6' ? 6 : 4,
    requestedIps: req.ips,
    ...(req.error !== undefined ? { requestError: req.error } : {}),
    ...(pool !== '' ? { desiredPool: pool } : {}),
    sharingKey: annotation(annotations, ANNOTATION.allowSharedIP, DEPRECATED_ANNOTATION.allowSharedIP)?.value ?? '',
    backendKey: spec.externalTrafficPolicy === 'Local' ? labelsToString(spec.selector) : '',
    ports: (spec.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port ?? 0}`),
    deprecatedAnnotations: deprecatedUserAnnotations(annotations),
  };
}

/**
 * metallb.universe.tf/* annotations a user set. The old ip-allocated-from-pool is excluded: an old
 * MetalLB wrote it, not the user, and l2lb removes it when it next writes the Service.
 */
export const deprecatedUserAnnotations = (annotations: Labels): string[] =>
  Object.keys(annotations)
    .filter((k) => k.startsWith(DEPRECATED_ANNOTATION_PREFIX) && k !== DEPRECATED_ANNOTATION.ipAllocatedFromPool)
    .sort();

/** The Warning Event text MetalLB emits for each deprecated annotation. */
export const deprecationWarnings = (req: ServiceRequest): string[] =>
  req.deprecatedAnnotations.map((k) => `Service uses deprecated annotation ${k}`);
