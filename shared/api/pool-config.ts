// Which pool definitions the allocator uses, and which pool an overlap invalidates.
//
// Conflicts are decided by the change that introduced them, not by age: a pool whose current spec
// is the one l2lb last accepted for it ("settled") claims its addresses before any pool that is
// new or was edited since ("changed"); among pools of one kind, the older claims first. So an edit
// that makes a pool overlap another marks the edited pool invalid, whichever is older, and the
// untouched pool keeps working. MetalLB gets the same safety by refusing the whole new
// configuration; l2lb refuses only the offending pool and keeps serving everything else.
//
// A pool whose current spec is invalid keeps serving its last valid spec (its condition says so),
// so a typo or an overlapping edit never takes addresses away from running Services. The last
// valid spec lives in the pool's own status (status.lastValid, with the pool's uid), so every
// replica sees it after a leader change and it dies with the pool object; a pool deleted and
// recreated under the same name starts afresh. The legacy AddressPool has no status: its last
// valid spec is remembered by the current leader only.
// Pure: what is remembered is passed in and returned.
import type { AddressPool, IPAddressPool, IPAddressPoolSpec, LastValidSpec, PoolKind } from './types.js';
import { validatePools, type PoolVerdict, type ValidateOptions, type ValidPool } from './validate.js';

/** Last valid spec per pool uid, as this leader accepted it (ahead of what the status says). */
export type LastValidPools = ReadonlyMap<string, IPAddressPoolSpec>;

export interface PoolConfig {
  /** What the allocator serves. */
  readonly pools: readonly ValidPool[];
  /** One per current object: its own validity (the status condition), whatever is served. */
  readonly verdicts: readonly PoolVerdict[];
  /** Invalid pools not served at all: for the allocator's messages. */
  readonly rejected: readonly PoolVerdict[];
  readonly lastValid: LastValidPools;
  /** What each IPAddressPool's status.lastValid should say (by name); absent: nothing accepted yet. */
  readonly lastValidStatus: ReadonlyMap<string, LastValidSpec>;
}

const keyOf = (kind: string, name: string | undefined): string => `${kind}/${name ?? ''}`;

/** JSON with sorted keys: two specs are the same iff their texts are. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

type AnyPool = IPAddressPool | AddressPool;

/** The last spec accepted for this object: this leader's memory first, then the pool's status. */
function lastValidOf(o: AnyPool, memory: LastValidPools): IPAddressPoolSpec | undefined {
  const uid = o.metadata.uid;
  if (uid === undefined || uid === '') return undefined;
  const remembered = memory.get(uid);
  if (remembered !== undefined) return remembered;
  const fromStatus = (o as IPAddressPool).status?.lastValid;
  return fromStatus !== undefined && fromStatus.uid === uid ? fromStatus.spec : undefined;
}

export function resolvePoolConfig(pools: readonly IPAddressPool[], legacy: readonly AddressPool[], memory: LastValidPools, options: ValidateOptions = {}): PoolConfig {
  const all: { kind: PoolKind; o: AnyPool }[] = [...pools.map((o) => ({ kind: 'IPAddressPool' as const, o })), ...legacy.map((o) => ({ kind: 'AddressPool' as const, o }))];
  const last = new Map<string, IPAddressPoolSpec>();
  const settled = new Set<string>();
  for (const { kind, o } of all) {
    const lv = lastValidOf(o, memory);
    if (lv === undefined) continue;
    const k = keyOf(kind, o.metadata.name);
    last.set(k, lv);
    if (canonicalJson(lv) === canonicalJson(o.spec ?? {})) settled.add(k);
  }
  const opts: ValidateOptions = { ...options, precedence: (kind, name) => (settled.has(keyOf(kind, name)) ? 0 : 1) };
  const current = validatePools(pools, legacy, opts);
  const invalid = new Set(current.verdicts.filter((v) => !v.valid).map((v) => keyOf(v.kind, v.name)));
  const held = [...invalid].filter((k) => last.has(k));
  const substitute = <T extends AnyPool>(kind: string, o: T): T => {
    const k = keyOf(kind, o.metadata.name);
    // Keep the object's identity and age, take the accepted spec.
    return invalid.has(k) && last.has(k) ? ({ ...o, spec: last.get(k) } as T) : o;
  };
  // A held spec was accepted: it claims its addresses as a settled pool does.
  const servedOpts: ValidateOptions = { ...options, precedence: (kind, name) => (settled.has(keyOf(kind, name)) || held.includes(keyOf(kind, name)) ? 0 : 1) };
  const served =
    held.length === 0
      ? current
      : validatePools(
          pools.map((p) => substitute('IPAddressPool', p)),
          legacy.map((p) => substitute('AddressPool', p)),
          servedOpts,
        );

  const servedValid = new Set(served.verdicts.filter((v) => v.valid).map((v) => keyOf(v.kind, v.name)));
  const next = new Map<string, IPAddressPoolSpec>();
  const lastValidStatus = new Map<string, LastValidSpec>();
  for (const { kind, o } of all) {
    const k = keyOf(kind, o.metadata.name);
    const uid = o.metadata.uid;
    const accepted = !invalid.has(k) && servedValid.has(k) ? (o.spec ?? {}) : last.get(k);
    if (accepted === undefined || uid === undefined || uid === '') continue;
    next.set(uid, accepted);
    if (kind === 'IPAddressPool') lastValidStatus.set(o.metadata.name ?? '', { uid, spec: accepted });
  }

  const verdicts = current.verdicts.map((cv, i): PoolVerdict => {
    const sv = served.verdicts[i]!; // same inputs in the same order: aligned
    // A valid pool may still lose to another pool's held spec: what is served is the truth.
    if (cv.valid) return sv;
    if (!sv.valid) return cv;
    const entries = sv.ranges.map((r) => r.text).join(', ');
    return { ...cv, warnings: [...cv.warnings, `still serving the last valid addresses (${entries}) until the pool is fixed`] };
  });
  const rejected = served.verdicts.filter((v) => !v.valid);
  return { pools: served.pools, verdicts, rejected, lastValid: next, lastValidStatus };
}
