import fc from 'fast-check';
import { ip, mac } from '../testing/fixtures.js';
import { marshalNdpFrame, parseNdpFrame, type NdpFrame } from './frame.js';

const frame: NdpFrame = {
  ethernet: { destination: mac('33:33:ff:00:01:00'), source: mac('02:00:00:00:00:0c') },
  ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: 255, source: ip('fd00::c'), destination: ip('ff02::1:ff00:100') },
  message: { type: 135, code: 0, target: ip('fd00::100'), options: [{ kind: 'source-link-layer', mac: mac('02:00:00:00:00:0c') }] },
};

function patched(offset: number, bytes: number[]): Uint8Array {
  const f = marshalNdpFrame(frame).slice();
  f.set(bytes, offset);
  return f;
}

describe('NDP frame codec', () => {
  test('round trip of a solicitation, with Ethernet padding after it', () => {
    const bytes = new Uint8Array([...marshalNdpFrame(frame), 0, 0, 0, 0]);
    expect(parseNdpFrame(bytes)).toEqual({ ok: true, packet: frame });
  });

  test('layout: ethertype 86dd, next header 58, payload length, checksum filled in', () => {
    const b = marshalNdpFrame(frame);
    expect([b[12], b[13]]).toEqual([0x86, 0xdd]);
    expect(b[14 + 6]).toBe(58);
    expect((b[14 + 4]! << 8) | b[14 + 5]!).toBe(32);
    expect(b.length).toBe(14 + 40 + 32);
    expect((b[54 + 2]! << 8) | b[54 + 3]!).not.toBe(0);
  });

  test.each([
    ['short-frame', marshalNdpFrame(frame).subarray(0, 10)],
    ['not-ipv6-ethertype', patched(12, [0x08, 0x00])],
    ['short-ipv6-header', marshalNdpFrame(frame).subarray(0, 14 + 39)],
    ['not-ipv6-version', patched(14, [0x40])],
    ['truncated-ipv6-payload', marshalNdpFrame(frame).subarray(0, 14 + 40 + 31)],
    ['not-icmpv6', patched(14 + 6, [0])],
    ['not-neighbor-discovery', patched(54, [128])],
    ['bad-checksum', patched(54 + 2, [0, 0])],
    ['bad-checksum', patched(54 + 8, [0xfe])],
    ['bad-checksum', patched(14 + 8, [0xfe])],
    ['option-zero-length', patched(54 + 25, [0])],
  ])('rejects %s', (reason, bytes) => {
    expect(parseNdpFrame(bytes)).toEqual({ ok: false, reason });
  });

  test('property: parse(marshal(x)) = x for advertisements', () => {
    const ipArb = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value) => ({ family: 6 as const, value }));
    const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(ipArb, ipArb, ipArb, macArb, macArb, fc.boolean(), fc.integer({ min: 0, max: 255 }), (src, dst, target, m1, m2, s, hop) => {
        const f: NdpFrame = {
          ethernet: { destination: m1, source: m2 },
          ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: hop, source: src, destination: dst },
          message: { type: 136, code: 0, router: false, solicited: s, override: !s, target, options: [{ kind: 'target-link-layer', mac: m2 }] },
        };
        expect(parseNdpFrame(marshalNdpFrame(f))).toEqual({ ok: true, packet: f });
      }),
    );
  });
});
