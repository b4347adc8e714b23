// Which pool definitions the allocator uses. A pool whose current spec is invalid keeps serving its
// last valid spec (and its condition says so), so a typo in an edit never takes addresses away from
// running Services. MetalLB gets the same safety by rejecting the whole configuration; l2lb
// rejects per pool (DESIGN rule 7) and keeps the rest of the cluster's changes.
// Pure: the memory of last valid specs is passed in and returned.
import type { AddressPool, IPAddressPool } from '../../shared/api/types.js';
import { validatePools, type PoolVerdict, type ValidateOptions, type ValidPool } from '../../shared/api/validate.js';
import type { RejectedPool } from '../allocator/allocator.js';

/** Last valid object per "Kind/name". */
export type LastValidPools = ReadonlyMap<string, IPAddressPool | AddressPool>;

export interface PoolConfig {
  /** What the allocator serves. */
  readonly pools: readonly ValidPool[];
  /** One per current object: its own validity (the status condition), whatever is served. */
  readonly verdicts: readonly PoolVerdict[];
  /** Invalid pools not served at all: for the allocator's messages. */
  readonly rejected: readonly RejectedPool[];
  readonly lastValid: LastValidPools;
}

const keyOf = (kind: string, name: string | undefined): string => `${kind}/${name ?? ''}`;

export function resolvePoolConfig(
  pools: readonly IPAddressPool[],
  legacy: readonly AddressPool[],
  lastValid: LastValidPools,
  options: ValidateOptions = {},
): PoolConfig {
  const current = validatePools(pools, legacy, options);
  const invalid = new Set(current.verdicts.filter((v) => !v.valid).map((v) => keyOf(v.kind, v.name)));
  const substitute = <T extends IPAddressPool | AddressPool>(kind: string, o: T): T => {
    const k = keyOf(kind, o.metadata.name);
    const prev = lastValid.get(k);
    // Keep the object's identity and age (first-come overlap order), take the old spec.
    return invalid.has(k) && prev !== undefined ? ({ ...o, spec: prev.spec } as T) : o;
  };
  const held = [...invalid].filter((k) => lastValid.has(k));
  const served =
    held.length === 0
      ? current
      : validatePools(
          pools.map((p) => substitute('IPAddressPool', p)),
          legacy.map((p) => substitute('AddressPool', p)),
          options,
        );

  const next = new Map<string, IPAddressPool | AddressPool>();
  for (const p of pools) {
    const k = keyOf('IPAddressPool', p.metadata.name);
    if (!invalid.has(k)) next.set(k, p);
    else if (lastValid.has(k)) next.set(k, lastValid.get(k)!);
  }
  for (const p of legacy) {
    const k = keyOf('AddressPool', p.metadata.name);
    if (!invalid.has(k)) next.set(k, p);
    else if (lastValid.has(k)) next.set(k, lastValid.get(k)!);
  }

  const verdicts = current.verdicts.map((cv, i): PoolVerdict => {
    const sv = served.verdicts[i]!; // same inputs in the same order: aligned
    // A valid pool may still lose to an older pool's held spec: what is served is the truth.
    if (cv.valid) return sv;
    if (!sv.valid) return cv;
    const entries = sv.ranges.map((r) => r.text).join(', ');
    return { ...cv, warnings: [...cv.warnings, `still serving the last valid addresses (${entries}) until the pool is fixed`] };
  });
  const rejected = served.verdicts.filter((v) => !v.valid);
  return { pools: served.pools, verdicts, rejected, lastValid: next };
}
