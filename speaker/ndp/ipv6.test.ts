import fc from 'fast-check';
import { hex, ip, toHex } from '../testing/fixtures.js';
import { icmpv6Checksum, marshalIpv6, parseIpv6, type Ipv6Header } from './ipv6.js';

const header: Ipv6Header = {
  trafficClass: 0xab,
  flowLabel: 0x12345,
  nextHeader: 58,
  hopLimit: 255,
  source: ip('fd00::1'),
  destination: ip('ff02::1:ff00:100'),
};

describe('IPv6 header', () => {
  test('marshal lays out version, class, flow label, length, next header, hop limit, addresses', () => {
    expect(toHex(marshalIpv6(header, Uint8Array.of(9, 9)))).toBe(
      '6ab12345' + '0002' + '3a' + 'ff' + 'fd000000000000000000000000000001' + 'ff0200000000000000000001ff000100' + '0909',
    );
  });

  test('parse reads every field and cuts the payload to its length (padding dropped)', () => {
    const bytes = new Uint8Array([...marshalIpv6(header, Uint8Array.of(9, 9)), 0, 0, 0]);
    expect(parseIpv6(bytes)).toEqual({ ok: true, packet: { header, payload: Uint8Array.of(9, 9) } });
  });

  test.each([
    ['short-ipv6-header', new Uint8Array(39)],
    ['not-ipv6-version', (() => { const b = marshalIpv6(header, new Uint8Array(0)); b[0] = 0x45; return b; })()],
    ['truncated-ipv6-payload', marshalIpv6(header, Uint8Array.of(1, 2, 3)).subarray(0, 42)],
  ])('rejects %s', (reason, bytes) => {
    expect(parseIpv6(bytes)).toEqual({ ok: false, reason });
  });

  test('checksum matches one the Linux kernel accepted', () => {
    const ns = hex('8700e6cc00000000 fd000000000000000000000000000100 01015ebdd66561ac');
    expect(icmpv6Checksum(ip('fd00::1'), ip('ff02::1:ff00:100'), ns)).toBe(0xe6cc);
  });

  test('checksum ignores the message checksum field and handles odd lengths', () => {
    const a = Uint8Array.of(1, 2, 0, 0, 5);
    const b = Uint8Array.of(1, 2, 0xff, 0xee, 5);
    expect(icmpv6Checksum(ip('::1'), ip('::2'), a)).toBe(icmpv6Checksum(ip('::1'), ip('::2'), b));
  });

  test('property: a message carrying its checksum sums to zero (RFC 1071)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 200 }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (msg, s) => {
        const src = { family: 6 as const, value: s };
        const dst = ip('ff02::1');
        const c = icmpv6Checksum(src, dst, msg);
        const m = msg.slice();
        m[2] = c >> 8;
        m[3] = c & 0xff;
        expect(icmpv6Checksum(src, dst, m)).toBe(c);
      }),
    );
  });

  test('property: parse(marshal(x)) = x', () => {
    const ipArb = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value) => ({ family: 6 as const, value }));
    const hdrArb = fc.record({
      trafficClass: fc.integer({ min: 0, max: 255 }),
      flowLabel: fc.integer({ min: 0, max: 0xfffff }),
      nextHeader: fc.integer({ min: 0, max: 255 }),
      hopLimit: fc.integer({ min: 0, max: 255 }),
      source: ipArb,
      destination: ipArb,
    });
    fc.assert(
      fc.property(hdrArb, fc.uint8Array({ maxLength: 100 }), (h, payload) => {
        expect(parseIpv6(marshalIpv6(h, payload))).toEqual({ ok: true, packet: { header: h, payload } });
      }),
    );
  });
});
