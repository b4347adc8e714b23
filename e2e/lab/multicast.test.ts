import { solicitedNodeGroup } from './multicast.js';

describe('solicited-node groups', () => {
  test.each([
    ['2001:db8::1', 'ff02::1:ff00:1'],
    ['2001:db8::200', 'ff02::1:ff00:200'],
    ['fe80::1b:ff:fe00:1', 'ff02::1:ff00:1'],
    ['2001:db8::abcd:ef12:3456', 'ff02::1:ff12:3456'],
  ])('%s -> %s', (ip, group) => {
    expect(solicitedNodeGroup(ip)).toBe(group);
  });

  test('IPv4 is refused', () => {
    expect(() => solicitedNodeGroup('192.0.2.1')).toThrow(RangeError);
  });
});
