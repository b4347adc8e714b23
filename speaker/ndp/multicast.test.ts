import { formatIp } from '../../shared/ip/address.js';
import { formatMac } from '../ethernet/mac.js';
import { ip } from '../testing/fixtures.js';
import { ALL_NODES, ipv6MulticastMac, isIpv6Multicast, isSolicitedNodeAddress, isUnspecified, solicitedNodeAddress } from './multicast.js';

describe('NDP multicast addressing', () => {
  test.each([
    ['2001:db8::1:2:3', 'ff02::1:ff02:3'],
    ['fd00::abcd:ef12:3456', 'ff02::1:ff12:3456'],
    ['fe80::1', 'ff02::1:ff00:1'],
    ['::', 'ff02::1:ff00:0'],
  ])('solicited-node group of %s is %s', (addr, group) => {
    expect(formatIp(solicitedNodeAddress(ip(addr)))).toBe(group);
    expect(isSolicitedNodeAddress(ip(group))).toBe(true);
  });

  test.each([
    ['ff02::1:ff12:3456', '33:33:ff:12:34:56'],
    ['ff02::1', '33:33:00:00:00:01'],
    ['ff05::1:3', '33:33:00:01:00:03'],
  ])('Ethernet group of %s is %s', (group, m) => {
    expect(formatMac(ipv6MulticastMac(ip(group)))).toBe(m);
  });

  test('classification', () => {
    expect(formatIp(ALL_NODES)).toBe('ff02::1');
    expect(isIpv6Multicast(ip('ff02::1'))).toBe(true);
    expect(isIpv6Multicast(ip('fe80::1'))).toBe(false);
    expect(isIpv6Multicast(ip('255.0.0.1'))).toBe(false);
    expect(isSolicitedNodeAddress(ip('ff02::1:fe12:3456'))).toBe(false);
    expect(isSolicitedNodeAddress(ip('ff02::2:ff12:3456'))).toBe(false);
    expect(isUnspecified(ip('::'))).toBe(true);
    expect(isUnspecified(ip('::1'))).toBe(false);
  });
});
