// Which pools a Service may use, and in which order they are tried (MetalLB's
// pinnedPoolsForService / isPoolCompatibleWithService / sortPools). Differences from MetalLB, both
// deliberate: ties in priority are broken by name (MetalLB: random map order), and a pool whose
// namespaceSelectors match no namespace is closed to every namespace (MetalLB opens it to all,
// because it only checks the resolved namespace set when non-empty).
import { anySelectorMatches } from '../../shared/api/selector.js';
import type { ValidPool } from '../../shared/api/validate.js';
import type { ServiceRequest } from './request.js';

type ServiceScope = Pick<ServiceRequest, 'namespace' | 'labels' | 'namespaceLabels'>;

export function poolAllowsService(pool: ValidPool, svc: ServiceScope): boolean {
  const sa = pool.serviceAllocation;
  if (sa === undefined) return true;
  const nsRestricted = sa.namespaces.size > 0 || sa.namespaceSelectors.length > 0;
  if (nsRestricted && !sa.namespaces.has(svc.namespace) && !anySelectorMatches(sa.namespaceSelectors, svc.namespaceLabels)) {
    return false;
  }
  if (sa.serviceSelectors.length > 0 && !anySelectorMatches(sa.serviceSelectors, svc.labels)) return false;
  return true;
}

/** A pool with serviceAllocation that names namespaces or services: tried first, by priority. */
const isPinning = (p: ValidPool): boolean =>
  p.serviceAllocation !== undefined &&
  (p.serviceAllocation.namespaces.size > 0 ||
    p.serviceAllocation.namespaceSelectors.length > 0 ||
    p.serviceAllocation.serviceSelectors.length > 0);

function byPriority(a: ValidPool, b: ValidPool): number {
  const pa = a.serviceAllocation?.priority ?? 0;
  const pb = b.serviceAllocation?.priority ?? 0;
  // Lower wins; 0 means unset and ranks last.
  if (pa !== pb) {
    if (pa === 0) return 1;
    if (pb === 0) return -1;
    return pa - pb;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Pools (sorted by name on input) for automatic assignment: [pinned by priority], [general by name]. */
export function candidatePools(pools: readonly ValidPool[], svc: ServiceScope): { pinned: ValidPool[]; general: ValidPool[] } {
  const pinned = pools.filter((p) => p.autoAssign && isPinning(p) && poolAllowsService(p, svc)).sort(byPriority);
  const general = pools.filter((p) => p.autoAssign && p.serviceAllocation === undefined);
  return { pinned, general };
}
