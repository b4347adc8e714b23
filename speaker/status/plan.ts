// Which ServiceL2Status writes bring the cluster's objects in line with the election. Pure.
//
// One object per Service (deterministic name), not one per (Service, node) as MetalLB writes:
// when a VIP moves, the new owner rewrites status.node of the existing object, a single status
// write, instead of create + status + deleting the dead node's object (three writes during the
// very moment the API server may be busiest). Deletions, for Services nobody announces or that
// no longer exist, are done by one speaker: the alive one with the lowest name ("janitor"), so
// two speakers never race on the same object. Objects without l2lb's managed-by label (MetalLB's,
// during a migration) are never touched.
import { createHash } from 'node:crypto';
import type { MetalLBServiceL2Status, ServiceL2Status } from '../../shared/api/types.js';

export const LABEL_SERVICE_NAME = 'metallb.io/service-name';
export const LABEL_SERVICE_NAMESPACE = 'metallb.io/service-namespace';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'l2lb';

export const isOurs = (obj: ServiceL2Status): boolean => obj.metadata.labels?.[LABEL_MANAGED_BY] === MANAGED_BY;

/** namespace/name of every Service whose (l2lb-written) status names `node` as its announcer. */
export function servicesNamingNode(statuses: readonly ServiceL2Status[], node: string): Set<string> {
  return new Set(statuses.filter((o) => isOurs(o) && o.status?.node === node).map((o) => `${o.status?.serviceNamespace}/${o.status?.serviceName}`));
}

export interface Ownership {
  /** namespace/name of a Service with IPs this speaker knows about. */
  readonly serviceKey: string;
  readonly owner: string | null;
  /** Interfaces the owner announces on (only known, and only needed, for our own Services). */
  readonly interfaces: readonly string[];
}

export type StatusOp =
  | { kind: 'create'; name: string; serviceKey: string; status: MetalLBServiceL2Status }
  | { kind: 'updateStatus'; name: string; serviceKey: string; status: MetalLBServiceL2Status; resourceVersion: string }
  | { kind: 'delete'; name: string; serviceKey: string; resourceVersion: string };

/** DNS-subdomain-safe, stable across speakers, unique per Service. */
export function statusObjectName(serviceKey: string): string {
  const [ns = '', name = ''] = serviceKey.split('/');
  const readable = `l2-${ns}-${name}`;
  if (readable.length <= 63) return readable;
  const hash = createHash('sha256').update(serviceKey).digest('hex').slice(0, 10);
  return `${readable.slice(0, 52).replace(/[-.]+$/, '')}-${hash}`;
}

export function serviceKeyOf(obj: ServiceL2Status): string | undefined {
  const labels = obj.metadata.labels ?? {};
  const name = labels[LABEL_SERVICE_NAME];
  const ns = labels[LABEL_SERVICE_NAMESPACE];
  return name && ns ? `${ns}/${name}` : undefined;
}

function desiredStatus(serviceKey: string, me: string, interfaces: readonly string[]): MetalLBServiceL2Status {
  const [serviceNamespace = '', serviceName = ''] = serviceKey.split('/');
  return { node: me, serviceName, serviceNamespace, interfaces: [...interfaces].sort().map((name) => ({ name })) };
}

function sameStatus(a: MetalLBServiceL2Status | undefined, b: MetalLBServiceL2Status): boolean {
  if (!a) return false;
  const names = (s: MetalLBServiceL2Status): string => (s.interfaces ?? []).map((i) => i.name ?? '').join(',');
  return a.node === b.node && a.serviceName === b.serviceName && a.serviceNamespace === b.serviceNamespace && names(a) === names(b);
}

export function planStatusWrites(
  me: string,
  alive: ReadonlySet<string>,
  ownerships: readonly Ownership[],
  all: readonly ServiceL2Status[],
): StatusOp[] {
  const ops: StatusOp[] = [];
  const existing = all.filter(isOurs);
  const byKey = new Map<string, ServiceL2Status>();
  for (const obj of existing) {
    const key = serviceKeyOf(obj);
    if (key && obj.metadata.name === statusObjectName(key)) byKey.set(key, obj);
  }
  const janitor = [...alive].sort()[0] === me;
  const owned = new Map(ownerships.map((o) => [o.serviceKey, o]));

  for (const o of ownerships) {
    if (o.owner !== me) continue;
    const want = desiredStatus(o.serviceKey, me, o.interfaces);
    const have = byKey.get(o.serviceKey);
    const name = statusObjectName(o.serviceKey);
    if (!have) ops.push({ kind: 'create', name, serviceKey: o.serviceKey, status: want });
    else if (!sameStatus(have.status, want)) ops.push({ kind: 'updateStatus', name, serviceKey: o.serviceKey, status: want, resourceVersion: have.metadata.resourceVersion ?? '' });
  }
  if (!janitor) return ops;
  for (const obj of existing) {
    const key = serviceKeyOf(obj);
    const o = key === undefined ? undefined : owned.get(key);
    const stray = key === undefined || obj.metadata.name !== statusObjectName(key);
    if (stray || !o || o.owner === null || !alive.has(o.owner)) {
      ops.push({ kind: 'delete', name: obj.metadata.name ?? '', serviceKey: key ?? '', resourceVersion: obj.metadata.resourceVersion ?? '' });
    }
  }
  return ops;
}
