import type { IPAddressPool, IPAddressPoolSpec } from '../../shared/api/types.js';
import { Allocator } from '../allocator/allocator.js';
import { makeService } from '../allocator/testing.js';
import { resolvePoolConfig, type LastValidPools } from '../../shared/api/pool-config.js';
import { desiredPoolStatus } from './pool-status.js';

const pool = (name: string, spec: IPAddressPoolSpec, created = '2025-01-01T00:00:00Z', uid = `uid-${name}`): IPAddressPool => ({ metadata: { name, creationTimestamp: created, uid }, spec });
/** The pool as the API server would hold it after l2lb wrote its status from `config`. */
const withStatus = (p: IPAddressPool, config: { lastValidStatus: ReadonlyMap<string, { uid: string; spec: IPAddressPoolSpec }> }): IPAddressPool => {
  const lastValid = config.lastValidStatus.get(p.metadata.name!);
  return lastValid ? { ...p, status: { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 0, availableIPv6: 0, lastValid } } : p;
};
const served = (r: ReturnType<typeof resolvePoolConfig>): Record<string, string[]> => Object.fromEntries(r.pools.map((p) => [p.name, p.ranges.map((x) => x.text)]));
const invalidNames = (r: ReturnType<typeof resolvePoolConfig>): string[] => r.verdicts.filter((v) => !v.valid).map((v) => v.name);

describe('resolvePoolConfig', () => {
  it('an invalid edit keeps the last valid spec in service, and says so', () => {
    const first = resolvePoolConfig([pool('a', { addresses: ['10.0.0.0/24'] })], [], new Map());
    const al = new Allocator(first.pools, first.rejected);
    expect(al.assign(makeService('x')).ok).toBe(true);

    const typo = resolvePoolConfig([pool('a', { addresses: ['10.0.0.0/244'] })], [], first.lastValid);
    expect(typo.pools.map((p) => p.ranges.map((r) => r.text))).toEqual([['10.0.0.0/24']]);
    expect(al.setPools(typo.pools, typo.rejected).invalidated).toEqual([]);
    const status = desiredPoolStatus(typo.verdicts[0]!, al.stats('a'), undefined, 'T');
    expect(status.conditions![0]).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message: 'invalid CIDR "10.0.0.0/244" in pool "a": invalid CIDR "10.0.0.0/244"; still serving the last valid addresses (10.0.0.0/24) until the pool is fixed',
    });

    const fixed = resolvePoolConfig([pool('a', { addresses: ['10.0.0.0/25'] })], [], typo.lastValid);
    expect(fixed.verdicts[0]!.valid).toBe(true);
    expect(fixed.pools[0]!.ranges[0]!.text).toBe('10.0.0.0/25');
  });

  it('a pool never valid is not served; a deleted pool is forgotten', () => {
    const r = resolvePoolConfig([pool('bad', { addresses: ['x'] })], [], new Map());
    expect(r.pools).toEqual([]);
    expect(r.rejected.map((v) => v.name)).toEqual(['bad']);
    const ok = resolvePoolConfig([pool('a', { addresses: ['10.0.0.0/24'] })], [], new Map());
    const gone = resolvePoolConfig([], [], ok.lastValid);
    expect(gone.lastValid.size).toBe(0);
  });

  it('a held spec claims its addresses ahead of a newer pool', () => {
    const lastValid: LastValidPools = new Map([['uid-old', { addresses: ['10.0.0.0/24'] }]]);
    const r = resolvePoolConfig(
      [pool('old', { addresses: ['bogus'] }), pool('new', { addresses: ['10.0.0.128/25'] }, '2025-06-01T00:00:00Z')],
      [],
      lastValid,
    );
    expect(r.pools.map((p) => p.name)).toEqual(['old']);
    expect(r.verdicts.find((v) => v.name === 'new')!.errors).toEqual([
      'CIDR "10.0.0.128/25" in pool "new" overlaps with already defined CIDR "10.0.0.0/24" in pool "old"',
    ]);
    expect(r.verdicts.find((v) => v.name === 'old')!.errors).toEqual(['invalid CIDR "bogus" in pool "old": invalid CIDR "bogus"']);
  });
});

describe('overlaps are decided by the change that introduced them', () => {
  const older = (spec: IPAddressPoolSpec): IPAddressPool => pool('older', spec, '2025-01-01T00:00:00Z');
  const younger = (spec: IPAddressPoolSpec): IPAddressPool => pool('younger', spec, '2025-06-01T00:00:00Z');
  const o1 = { addresses: ['10.0.0.0/26'] };
  const y1 = { addresses: ['10.0.1.0/26'] };
  // Both settled (statuses written), then one edit that overlaps the other pool.
  const settledFirst = (): { o: IPAddressPool; y: IPAddressPool } => {
    const base = resolvePoolConfig([older(o1), younger(y1)], [], new Map());
    expect(invalidNames(base)).toEqual([]);
    return { o: withStatus(older(o1), base), y: withStatus(younger(y1), base) };
  };

  it.each([
    ['the older pool is edited onto the younger', 'older', { addresses: ['10.0.0.0/26', '10.0.1.0/28'] }],
    ['the younger pool is edited onto the older', 'younger', { addresses: ['10.0.1.0/26', '10.0.0.0/28'] }],
  ] as const)('%s: the edited pool is invalid and serves its last valid spec; the other keeps working', (_t, edited, spec) => {
    const s = settledFirst();
    const o = edited === 'older' ? { ...s.o, spec } : s.o;
    const y = edited === 'younger' ? { ...s.y, spec } : s.y;
    // A new leader: no memory, only what the statuses say.
    const r = resolvePoolConfig([o, y], [], new Map());
    expect(invalidNames(r)).toEqual([edited]);
    expect(served(r)).toEqual({ older: ['10.0.0.0/26'], younger: ['10.0.1.0/26'] });
    expect(r.lastValidStatus.get(edited)?.spec).toEqual(edited === 'older' ? o1 : y1);
  });

  it('a pool deleted and recreated under its name does not inherit the old last valid spec', () => {
    const s = settledFirst();
    // Recreated (new uid) with an overlapping spec; its status still carries nothing of its own,
    // and a status copied from the old object (other uid) is ignored.
    const recreated: IPAddressPool = { ...pool('older', { addresses: ['10.0.1.0/28'] }, '2025-09-01T00:00:00Z', 'uid-older-2'), status: s.o.status };
    const r = resolvePoolConfig([recreated, s.y], [], new Map([['uid-older', o1]]));
    expect(invalidNames(r)).toEqual(['older']);
    expect(served(r)).toEqual({ younger: ['10.0.1.0/26'] });
    expect(r.lastValidStatus.has('older')).toBe(false);
  });

  it('two new pools that overlap: the older claims first (no change to blame)', () => {
    const r = resolvePoolConfig([older({ addresses: ['10.0.0.0/26'] }), younger({ addresses: ['10.0.0.0/28'] })], [], new Map());
    expect(invalidNames(r)).toEqual(['younger']);
  });
});
