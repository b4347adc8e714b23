import fc from 'fast-check';
import { compareIp, formatIp, ipFromBytes, ipToBytes, parseIp, type IpAddress } from './address.js';

describe('parseIp', () => {
  it.each([
    ['192.0.2.1', 4, 0xc0000201n],
    ['0.0.0.0', 4, 0n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['2001:db8::1', 6, 0x20010db8000000000000000000000001n],
    ['::', 6, 0n],
    ['::ffff:192.0.2.1', 6, 0xffffc0000201n],
  ])('accepts %s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ ok: true, value: { family, value } });
  });

  it.each(['10.0.0.300', '010.0.0.1', '1.2.3', 'fe80::1%eth0', '2001:db8:::1', '', ' 1.2.3.4', 'abc'])(
    'rejects %j with a message naming the input',
    (text) => {
      const r = parseIp(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain(JSON.stringify(text));
    },
  );

  it('formats IPv6 in RFC 5952 form', () => {
    const r = parseIp('2001:0db8:0000:0000:0000:0000:0000:0001');
    expect(r.ok && formatIp(r.value)).toBe('2001:db8::1');
  });
});

const anyIp: fc.Arbitrary<IpAddress> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }).map((value) => ({ family: 4 as const, value })),
  fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((value) => ({ family: 6 as const, value })),
);

describe('properties', () => {
  it('parse(format(ip)) = ip', () => {
    fc.assert(fc.property(anyIp, (ip) => {
      const r = parseIp(formatIp(ip));
      return r.ok && compareIp(r.value, ip) === 0;
    }));
  });
  it('fromBytes(toBytes(ip)) = ip', () => {
    fc.assert(fc.property(anyIp, (ip) => compareIp(ipFromBytes(ipToBytes(ip), ip.family), ip) === 0));
  });
});
