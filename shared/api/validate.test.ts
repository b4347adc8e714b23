import { validatePools } from './validate.js';
import type { AddressPool, IPAddressPool, IPAddressPoolSpec } from './types.js';

const pool = (name: string, spec: IPAddressPoolSpec, created = '2025-01-01T00:00:00Z', labels = {}): IPAddressPool => ({
  metadata: { name, creationTimestamp: created, labels },
  spec,
});
const legacy = (name: string, addresses: string[], protocol = 'layer2'): AddressPool => ({
  metadata: { name, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { protocol, addresses },
});

describe('validatePools', () => {
  it('accepts pools, applies defaults and sorts by name', () => {
    const v = validatePools([pool('b', { addresses: ['10.0.1.0/24'] }), pool('a', { addresses: ['10.0.0.1-10.0.0.5', '2001:db8::/64'], autoAssign: false, avoidBuggyIPs: true })]);
    expect(v.pools.map((p) => p.name)).toEqual(['a', 'b']);
    expect(v.pools[0]).toMatchObject({ kind: 'IPAddressPool', autoAssign: false, avoidBuggyIPs: true, announcedWithoutAdvertisement: false });
    expect(v.pools[0]!.ranges.map((r) => r.family)).toEqual([4, 6]);
    expect(v.pools[1]).toMatchObject({ autoAssign: true, avoidBuggyIPs: false });
    expect(v.verdicts.every((x) => x.valid)).toBe(true);
  });

  it('rejects only the bad pool, with every reason', () => {
    const v = validatePools([
      pool('bad', { addresses: ['10.0.0.300/24', '10.0.2.9-10.0.2.1', '10.0.3.0/24'] }),
      pool('good', { addresses: ['10.0.4.0/24'] }),
      pool('empty', {}),
    ]);
    expect(v.pools.map((p) => p.name)).toEqual(['good']);
    expect(v.verdicts.find((x) => x.name === 'bad')!.errors).toEqual([
      'invalid CIDR "10.0.0.300/24" in pool "bad": invalid CIDR "10.0.0.300/24"',
      'invalid CIDR "10.0.2.9-10.0.2.1" in pool "bad": invalid IP range "10.0.2.9-10.0.2.1": start IP "10.0.2.9" is after the end IP "10.0.2.1"',
    ]);
    expect(v.verdicts.find((x) => x.name === 'empty')!.errors).toEqual(['pool has no prefixes defined']);
  });

  it('rejects the later of two overlapping pools, naming both pools and entries', () => {
    const v = validatePools([
      pool('newer', { addresses: ['10.0.0.128/25'] }, '2025-02-01T00:00:00Z'),
      pool('older', { addresses: ['10.0.0.0/24'] }, '2025-01-01T00:00:00Z'),
    ]);
    expect(v.pools.map((p) => p.name)).toEqual(['older']);
    const newer = v.verdicts.find((x) => x.name === 'newer')!;
    expect(newer.errors).toEqual(['CIDR "10.0.0.128/25" in pool "newer" overlaps with already defined CIDR "10.0.0.0/24" in pool "older"']);
    expect(v.verdicts.find((x) => x.name === 'older')!.warnings).toEqual([
      'CIDR "10.0.0.0/24" overlaps with CIDR "10.0.0.128/25" of pool "newer", which was rejected for it',
    ]);
  });

  it('breaks creation-time ties by name and detects overlap inside one pool', () => {
    const v = validatePools([pool('b', { addresses: ['10.0.0.5-10.0.0.6'] }), pool('a', { addresses: ['10.0.0.0/29'] }), pool('self', { addresses: ['10.1.0.0/24', '10.1.0.7'.concat('/32')] })]);
    expect(v.pools.map((p) => p.name)).toEqual(['a']);
    expect(v.verdicts.find((x) => x.name === 'self')!.errors).toEqual([
      'CIDR "10.1.0.7/32" in pool "self" overlaps with already defined CIDR "10.1.0.0/24" in pool "self"',
    ]);
  });

  it('IPv4 and IPv6 never overlap', () => {
    expect(validatePools([pool('a', { addresses: ['0.0.0.0/0'] }), pool('b', { addresses: ['::/0'] })]).pools).toHaveLength(2);
  });

  it('parses serviceAllocation and reports its mistakes', () => {
    const v = validatePools([
      pool('ok', {
        addresses: ['10.0.0.0/24'],
        serviceAllocation: { priority: 10, namespaces: ['a'], namespaceSelectors: [{ matchLabels: { team: 'x' } }], serviceSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }] },
      }),
      pool('dupns', { addresses: ['10.0.1.0/24'], serviceAllocation: { namespaces: ['a', 'a'] } }),
      pool('dupsel', { addresses: ['10.0.2.0/24'], serviceAllocation: { serviceSelectors: [{ matchLabels: { a: '1' } }, { matchLabels: { a: '1' } }] } }),
      pool('badsel', { addresses: ['10.0.3.0/24'], serviceAllocation: { namespaceSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] } }),
      pool('prioonly', { addresses: ['10.0.4.0/24'], serviceAllocation: { priority: 1 } }),
    ]);
    const ok = v.pools.find((p) => p.name === 'ok')!;
    expect(ok.serviceAllocation!.priority).toBe(10);
    expect([...ok.serviceAllocation!.namespaces]).toEqual(['a']);
    expect(ok.serviceAllocation!.namespaceSelectors[0]!.text).toBe('team=x');
    const verdict = (n: string) => v.verdicts.find((x) => x.name === n)!;
    expect(verdict('dupns').errors).toEqual(['duplicate definition in namespaces field']);
    expect(verdict('dupsel').errors).toEqual(['duplicate definition of serviceSelectors "a=1"']);
    expect(verdict('badsel').errors).toEqual(['invalid namespaceSelectors label selector in ip pool badsel: matchExpressions key "a": operator In needs at least one value']);
    expect(verdict('prioonly').valid).toBe(true);
    expect(verdict('prioonly').warnings[0]).toMatch(/only assigned on explicit request/);
  });

  it('takes legacy layer2 AddressPools, announced without an L2Advertisement', () => {
    const v = validatePools([pool('x', { addresses: ['10.0.0.0/24'] })], [legacy('old', ['10.0.1.0/24']), legacy('bgp', ['10.0.2.0/24'], 'bgp'), legacy('x', ['10.0.3.0/24'])]);
    expect(v.pools.map((p) => [p.name, p.kind, p.announcedWithoutAdvertisement])).toEqual([
      ['old', 'AddressPool', true],
      ['x', 'IPAddressPool', false],
    ]);
    expect(v.verdicts.find((x) => x.name === 'bgp')!.errors).toEqual(['AddressPool protocol "bgp" is not served: l2lb only implements layer2']);
    expect(v.verdicts.filter((x) => x.name === 'x')[1]!.errors).toEqual(['duplicate definition of pool "x": an IPAddressPool of that name exists']);
  });

  it('rejects a pool containing a node address', () => {
    const v = validatePools([pool('n', { addresses: ['192.168.1.0/24'] })], [], { nodeAddresses: [{ family: 4, value: 0xc0a80105n }] });
    expect(v.verdicts[0]!.errors).toEqual(['pool cidr "192.168.1.0/24" contains nodeIp "192.168.1.5"']);
  });

  it('reports a pool without a name', () => {
    const v = validatePools([{ metadata: {}, spec: { addresses: ['10.0.0.0/24'] } }]);
    expect(v.verdicts[0]!.errors).toEqual(['missing pool name']);
  });
});
