import { validatePools } from '../../shared/api/validate.js';
import { Allocator } from '../allocator/allocator.js';
import { makeService } from '../allocator/testing.js';
import { desiredPoolStatus, poolStatusEqual } from './pool-status.js';

describe('desiredPoolStatus', () => {
  const v = validatePools([
    { metadata: { name: 'ok', creationTimestamp: '2025-01-01T00:00:00Z' }, spec: { addresses: ['10.0.0.0/30', '2001:db8::/64'] } },
    { metadata: { name: 'dup', creationTimestamp: '2025-02-01T00:00:00Z' }, spec: { addresses: ['10.0.0.2/32'] } },
  ]);
  const al = new Allocator(v.pools);
  al.assign(makeService('a'));

  it('counts and a Ready condition for a valid pool', () => {
    const s = desiredPoolStatus(v.verdicts[0]!, al.stats('ok'), undefined, 'T1', 3);
    expect(s).toEqual({
      assignedIPv4: 1,
      assignedIPv6: 0,
      availableIPv4: 3,
      availableIPv6: Number.MAX_SAFE_INTEGER,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ValidWithWarnings',
          message: 'CIDR "10.0.0.0/30" overlaps with CIDR "10.0.0.2/32" of pool "dup", which was rejected for it',
          observedGeneration: 3,
          lastTransitionTime: 'T1',
        },
      ],
    });
    const again = desiredPoolStatus(v.verdicts[0]!, al.stats('ok'), s, 'T2', 3);
    expect(again.conditions![0]!.lastTransitionTime).toBe('T1');
    expect(poolStatusEqual(s, again)).toBe(true);
  });

  it('Invalid with the reason for a rejected pool', () => {
    const s = desiredPoolStatus(v.verdicts[1]!, al.stats('dup'), undefined, 'T1');
    expect(s.conditions![0]).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message: 'CIDR "10.0.0.2/32" in pool "dup" overlaps with already defined CIDR "10.0.0.0/30" in pool "ok"',
    });
    expect(s.assignedIPv4).toBe(0);
    expect(poolStatusEqual(undefined, s)).toBe(false);
  });
});
