// The status l2lb writes on each IPAddressPool: MetalLB's four counters, plus a Ready condition that
// says, for an invalid pool, exactly why (bad entries, overlaps naming both pools and entries).
// Pure: the clock is an argument, and an unchanged condition keeps its lastTransitionTime so a
// resync writes nothing.
import type { Condition, IPAddressPoolStatus, LastValidSpec } from '../../shared/api/types.js';
import type { PoolVerdict } from '../../shared/api/validate.js';
import { statusCount, type PoolStats } from '../allocator/allocator.js';
import { canonicalJson } from '../../shared/api/pool-config.js';

export function desiredPoolStatus(
  verdict: PoolVerdict,
  stats: PoolStats | undefined,
  previous: IPAddressPoolStatus | undefined,
  now: string,
  generation?: number,
  lastValid?: LastValidSpec,
): IPAddressPoolStatus {
  const ready: Omit<Condition, 'lastTransitionTime'> = verdict.valid
    ? {
        type: 'Ready',
        status: 'True',
        reason: verdict.warnings.length > 0 ? 'ValidWithWarnings' : 'Valid',
        message: verdict.warnings.length > 0 ? verdict.warnings.join('; ') : 'pool is valid and in use',
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
      }
    : {
        type: 'Ready',
        status: 'False',
        reason: 'Invalid',
        message: [...verdict.errors, ...verdict.warnings].join('; '),
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
      };
  const prev = previous?.conditions?.find((c) => c.type === 'Ready');
  const lastTransitionTime = prev !== undefined && prev.status === ready.status ? prev.lastTransitionTime : now;
  return {
    assignedIPv4: statusCount(stats?.assignedIPv4 ?? 0n),
    assignedIPv6: statusCount(stats?.assignedIPv6 ?? 0n),
    availableIPv4: statusCount(stats?.availableIPv4 ?? 0n),
    availableIPv6: statusCount(stats?.availableIPv6 ?? 0n),
    conditions: [{ ...ready, lastTransitionTime }],
    ...(lastValid !== undefined ? { lastValid } : {}),
  };
}

/** Whether a write is needed: compares the fields l2lb owns, ignoring key order. */
export function poolStatusEqual(a: IPAddressPoolStatus | undefined, b: IPAddressPoolStatus): boolean {
  if (a === undefined) return false;
  const ca = a.conditions?.find((c) => c.type === 'Ready');
  const cb = b.conditions?.find((c) => c.type === 'Ready');
  return (
    a.assignedIPv4 === b.assignedIPv4 &&
    a.assignedIPv6 === b.assignedIPv6 &&
    a.availableIPv4 === b.availableIPv4 &&
    a.availableIPv6 === b.availableIPv6 &&
    ca?.status === cb?.status &&
    ca?.reason === cb?.reason &&
    ca?.message === cb?.message &&
    ca?.lastTransitionTime === cb?.lastTransitionTime &&
    ca?.observedGeneration === cb?.observedGeneration &&
    canonicalJson(a.lastValid ?? null) === canonicalJson(b.lastValid ?? null)
  );
}
