// From the objects the speaker's informers hold to the election's plain input. Pure: the same
// cluster state gives the same input on every speaker, which is what makes the election agree.
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { servedByClass } from '../../shared/api/lb-class.js';
import { ANNOTATION, DEPRECATED_ANNOTATION, type AddressPool, type IPAddressPool, type L2Advertisement } from '../../shared/api/types.js';
import { validatePools } from '../../shared/api/validate.js';
import { formatIp, parseIp } from '../../shared/ip/address.js';
import { judgeExternalIps, type ExternalIpContext, type ExternalIpRefusal } from './external-ips.js';
import { parsePoolEntry, rangeContains } from '../../shared/ip/range.js';
import type { EndpointInfo, ElectionInput, L2AdvertisementInfo, NodeInfo, PoolInfo, ServiceInfo } from '../election/types.js';

export const POOL_ANNOTATION = ANNOTATION.ipAllocatedFromPool;
/** Both spellings MetalLB accepts; a non-empty value asks to share the IP. */
export const SHARING_ANNOTATIONS = [ANNOTATION.allowSharedIP, DEPRECATED_ANNOTATION.allowSharedIP] as const;

export const allowsSharedIp = (svc: V1Service): boolean => SHARING_ANNOTATIONS.some((a) => (svc.metadata?.annotations?.[a] ?? '') !== '');
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface ClusterFacts {
  readonly services: readonly V1Service[];
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly nodes: readonly V1Node[];
  readonly pools: readonly IPAddressPool[];
  readonly legacyPools: readonly AddressPool[];
  readonly l2Advertisements: readonly L2Advertisement[];
  readonly alivePeers: ReadonlySet<string>;
  /** spec.loadBalancerClass this installation serves; '' = Services without a class. */
  readonly loadBalancerClass: string;
  /** --announce-external-ips: announce spec.externalIPs that lie in a pool the Service may use. */
  readonly announceExternalIps?: boolean;
}

/** The election's input, and why externalIPs of some Services are not announced (for Events). */
export type SpeakerInput = ElectionInput & { readonly externalIpRefusals: ReadonlyMap<string, readonly ExternalIpRefusal[]> };

export const serviceKey = (svc: V1Service): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;

/** The Service's announced IPs: its load-balancer ingress IPs, in status order. */
export function serviceIps(svc: V1Service): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
}

export function servedByUs(svc: V1Service, loadBalancerClass: string): boolean {
  return svc.spec?.type === 'LoadBalancer' && servedByClass(svc.spec.loadBalancerClass, loadBalancerClass);
}

/** The pool an IP came from: the controller's annotation, else the first pool containing it. */
function poolOf(svc: V1Service, ips: readonly string[], pools: readonly PoolEntry[]): string | null {
  const annotated = svc.metadata?.annotations?.[POOL_ANNOTATION];
  if (annotated && pools.some((p) => p.name === annotated)) return annotated;
  const first = ips[0] === undefined ? undefined : parseIp(ips[0]);
  if (!first?.ok) return null;
  return pools.find((p) => p.ranges.some((r) => rangeContains(r, first.value)))?.name ?? null;
}

interface PoolEntry {
  readonly name: string;
  readonly info: PoolInfo;
  readonly ranges: ReturnType<typeof parsedRanges>;
}

function parsedRanges(addresses: readonly string[] | undefined) {
  return (addresses ?? []).flatMap((a) => {
    const r = parsePoolEntry(a);
    return r.ok ? [r.value] : [];
  });
}

function poolEntries(facts: ClusterFacts): PoolEntry[] {
  const modern = facts.pools.map((p) => ({
    name: p.metadata.name ?? '',
    info: { name: p.metadata.name ?? '', labels: p.metadata.labels ?? {} },
    ranges: parsedRanges(p.spec?.addresses),
  }));
  const legacy = facts.legacyPools
    .filter((p) => (p.spec?.protocol ?? 'layer2') === 'layer2')
    .map((p) => ({
      name: p.metadata.name ?? '',
      info: { name: p.metadata.name ?? '', labels: p.metadata.labels ?? {}, legacyLayer2: true },
      ranges: parsedRanges(p.spec?.addresses),
    }));
  return [...modern, ...legacy];
}

function endpointsByService(slices: readonly V1EndpointSlice[]): Map<string, EndpointInfo[]> {
  const out = new Map<string, EndpointInfo[]>();
  for (const slice of slices) {
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!name) continue;
    const key = `${slice.metadata?.namespace ?? ''}/${name}`;
    const list = out.get(key) ?? [];
    for (const ep of slice.endpoints ?? []) {
      list.push({ nodeName: ep.nodeName ?? null, ready: ep.conditions?.ready ?? null, serving: ep.conditions?.serving ?? null, terminating: ep.conditions?.terminating ?? null });
    }
    out.set(key, list);
  }
  return out;
}

function nodeInfo(node: V1Node): NodeInfo {
  return {
    name: node.metadata?.name ?? '',
    labels: node.metadata?.labels ?? {},
    conditions: (node.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status })),
  };
}

function advertisementInfo(adv: L2Advertisement): L2AdvertisementInfo {
  return {
    name: adv.metadata.name ?? '',
    ipAddressPools: adv.spec?.ipAddressPools ?? [],
    ipAddressPoolSelectors: adv.spec?.ipAddressPoolSelectors ?? [],
    nodeSelectors: adv.spec?.nodeSelectors ?? [],
    serviceSelectors: adv.spec?.serviceSelectors ?? [],
    preferredNodeSelectors: adv.spec?.preferredNodeSelectors ?? [],
  };
}

/** Services whose externalIPs this installation considers: its LoadBalancers, and (default class only) Services of other types. */
function externalIpsConsidered(svc: V1Service, loadBalancerClass: string): readonly string[] {
  const ext = svc.spec?.externalIPs ?? [];
  if (ext.length === 0) return ext;
  if (svc.spec?.type === 'LoadBalancer') return servedByUs(svc, loadBalancerClass) ? ext : [];
  return svc.spec?.type !== 'ExternalName' && loadBalancerClass === '' ? ext : [];
}

/** Canonical text of an IP, or undefined when it does not parse. */
function canonicalIp(text: string): string | undefined {
  const p = parseIp(text);
  return p.ok ? formatIp(p.value) : undefined;
}

function externalIpContext(facts: ClusterFacts): ExternalIpContext {
  const holders = new Map<string, string[]>();
  if (facts.announceExternalIps === true) {
    for (const svc of facts.services) {
      if (!servedByUs(svc, facts.loadBalancerClass)) continue;
      for (const ip of serviceIps(svc)) {
        const c = canonicalIp(ip);
        if (c !== undefined) holders.set(c, [...(holders.get(c) ?? []), serviceKey(svc)]);
      }
    }
  }
  return { enabled: facts.announceExternalIps === true, pools: facts.announceExternalIps === true ? validatePools(facts.pools).pools : [], lbIpHolders: holders };
}

export function electionInput(facts: ClusterFacts): SpeakerInput {
  const pools = poolEntries(facts);
  const endpoints = endpointsByService(facts.endpointSlices);
  const services: ServiceInfo[] = [];
  const externalIpRefusals = new Map<string, readonly ExternalIpRefusal[]>();
  let extContext: ExternalIpContext | undefined;
  for (const svc of facts.services) {
    const lbServed = servedByUs(svc, facts.loadBalancerClass);
    const external = externalIpsConsidered(svc, facts.loadBalancerClass);
    if (!lbServed && external.length === 0) continue;
    const key = serviceKey(svc);
    let ips = lbServed ? serviceIps(svc) : [];
    let pool = lbServed ? poolOf(svc, ips, pools) : null;
    if (external.length > 0) {
      extContext ??= externalIpContext(facts);
      const lbIps = ips.flatMap((ip) => canonicalIp(ip) ?? []);
      const d = judgeExternalIps({ key, namespace: svc.metadata?.namespace ?? '', labels: svc.metadata?.labels ?? {}, externalIPs: external, lbIps, lbPool: lbIps.length > 0 ? pool : null }, extContext);
      if (d.refused.length > 0) externalIpRefusals.set(key, d.refused);
      if (d.accepted.length > 0) {
        ips = [...ips, ...d.accepted];
        pool ??= d.pool;
      }
      if (!lbServed && d.accepted.length === 0) continue;
    }
    services.push({
      key,
      ips,
      pool,
      externalTrafficPolicy: svc.spec?.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
      endpoints: endpoints.get(key) ?? [],
      labels: svc.metadata?.labels ?? {},
      allowsSharedIp: allowsSharedIp(svc),
    });
  }
  return {
    services,
    nodes: facts.nodes.map(nodeInfo),
    alivePeers: facts.alivePeers,
    pools: pools.map((p) => p.info),
    l2Advertisements: facts.l2Advertisements.map(advertisementInfo),
    externalIpRefusals,
  };
}
