import type { IPAddressPool, IPAddressPoolSpec } from '../../shared/api/types.js';
import { Allocator } from '../allocator/allocator.js';
import { makeService } from '../allocator/testing.js';
import { resolvePoolConfig, type LastValidPools } from './pool-config.js';
import { desiredPoolStatus } from './pool-status.js';

const pool = (name: string, spec: IPAddressPoolSpec, created = '2025-01-01T00:00:00Z'): IPAddressPool => ({ metadata: { name, creationTimestamp: created }, spec });

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

  it('a held spec still wins overlaps by age over a newer pool', () => {
    const lastValid: LastValidPools = new Map([['IPAddressPool/old', pool('old', { addresses: ['10.0.0.0/24'] })]]);
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
