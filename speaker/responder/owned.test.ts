import { ip } from '../testing/fixtures.js';
import { OwnedSet } from './owned.js';

describe('OwnedSet', () => {
  const set = new OwnedSet([
    { ip: ip('192.0.2.10'), interfaceName: 'eth0' },
    { ip: ip('192.0.2.10'), interfaceName: 'eth1' },
    { ip: ip('192.0.2.10'), interfaceName: 'eth0' },
    { ip: ip('::c000:20a'), interfaceName: 'eth2' },
  ]);

  test.each([
    ['192.0.2.10', 'eth0', 'owned'],
    ['192.0.2.10', 'eth1', 'owned'],
    ['192.0.2.10', 'eth2', 'wrong-interface'],
    ['192.0.2.11', 'eth0', 'not-owned'],
    ['::c000:20a', 'eth2', 'owned'],
    ['::c000:20a', 'eth0', 'wrong-interface'],
  ])('%s on %s is %s (families never mix)', (addr, iface, want) => {
    expect(set.check(ip(addr), iface)).toBe(want);
  });

  test('duplicates collapse', () => {
    expect(set.pairs.map(OwnedSet.pairKey)).toEqual(['192.0.2.10%eth0', '192.0.2.10%eth1', '::c000:20a%eth2']);
  });
});
