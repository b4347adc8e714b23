import fc from 'fast-check';
import { Address4, Address6 } from 'ip-address';
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

  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not shortened
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // the longest run wins over the first
    ['2001:DB8::A', '2001:db8::a'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['1::2:3.4.5.6', '1::2:304:506'],
    ['::1.2.3.4', '::102:304'],
  ])('formats %s as %s (RFC 5952)', (text, canonical) => {
    const r = parseIp(text);
    expect(r.ok && formatIp(r.value)).toBe(canonical);
  });

  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
  ])('formats %s as %s', (text, canonical) => {
    const r = parseIp(text);
    expect(r.ok && formatIp(r.value)).toBe(canonical);
  });
});

const anyIp: fc.Arbitrary<IpAddress> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }).map((value) => ({ family: 4 as const, value })),
  fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((value) => ({ family: 6 as const, value })),
);

/** IPv6 values with runs of zero groups, where the canonical form has its corner cases. */
const zeroRichIpv6: fc.Arbitrary<IpAddress> = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => ({ family: 6 as const, value: groups.reduce((v, g) => (v << 16n) | BigInt(g), 0n) }));

/** Textual forms of an address: compressed, all eight groups, zero-padded groups, upper case. */
const ipv6Spellings = (ip: IpAddress): fc.Arbitrary<string> =>
  fc.record({ form: fc.constantFrom('compressed', 'full', 'padded'), upper: fc.boolean() }).map(({ form, upper }) => {
    const a = Address6.fromBigInt(ip.value);
    const full = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
    const text = form === 'compressed' ? a.correctForm() : form === 'padded' ? a.canonicalForm() : full;
    return upper ? text.toUpperCase() : text;
  });

describe('agrees with the ip-address library it replaced', () => {
  it('formatIp equals its correctForm', () => {
    fc.assert(fc.property(fc.oneof(anyIp, zeroRichIpv6), (ip) => {
      const theirs = ip.family === 4 ? Address4.fromBigInt(ip.value).correctForm() : Address6.fromBigInt(ip.value).correctForm();
      expect(formatIp(ip)).toBe(theirs);
    }));
  });
  it('parseIp equals its bigInt for any spelling Node accepts', () => {
    fc.assert(fc.property(zeroRichIpv6.chain((ip) => ipv6Spellings(ip).map((text) => ({ ip, text }))), ({ ip, text }) => {
      expect(parseIp(text)).toEqual({ ok: true, value: ip });
      expect(new Address6(text).bigInt()).toBe(ip.value);
    }));
  });
});

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
