import { formatIp } from '../../shared/ip/address.js';
import { ip } from '../testing/fixtures.js';
import { GroupCounts } from './multicast-groups.js';

describe('GroupCounts', () => {
  test('a group shared by two VIPs is joined once and left with the last', () => {
    const g = new GroupCounts();
    const a = ip('2001:db8::1:200');
    const b = ip('2001:db9::1:200'); // same low 24 bits
    expect(formatIp(g.add(a)!)).toBe('ff02::1:ff01:200');
    expect(g.add(b)).toBeUndefined();
    expect(g.remove(a)).toBeUndefined();
    expect(formatIp(g.remove(b)!)).toBe('ff02::1:ff01:200');
    expect(g.size).toBe(0);
  });

  test('removing what was never added leaves nothing to do', () => {
    const g = new GroupCounts();
    expect(g.remove(ip('2001:db8::200'))).toBeUndefined();
    expect(g.size).toBe(0);
  });
});
