import fc from 'fast-check';
import { hex, ip, mac, toHex } from '../testing/fixtures.js';
import { ARP_REPLY, ARP_REQUEST, marshalArpFrame, parseArpFrame, type ArpFrame } from './packet.js';

// who-has 192.168.1.1 tell 192.168.1.100, as captured: broadcast, padded to 60 bytes.
const captured = hex(
  'ffffffffffff 001122334455 0806' +
    '0001 0800 06 04 0001 001122334455 c0a80164 000000000000 c0a80101' +
    '000000000000000000000000000000000000',
);

const request: ArpFrame = {
  ethernet: { destination: mac('ff:ff:ff:ff:ff:ff'), source: mac('00:11:22:33:44:55') },
  arp: {
    operation: ARP_REQUEST,
    senderMac: mac('00:11:22:33:44:55'),
    senderIp: ip('192.168.1.100'),
    targetMac: mac('00:00:00:00:00:00'),
    targetIp: ip('192.168.1.1'),
  },
};

/** Overwrites bytes at an offset of the captured frame. */
function patched(offset: number, bytes: number[]): Uint8Array {
  const f = captured.slice();
  f.set(bytes, offset);
  return f;
}

describe('ARP codec', () => {
  test('parses every field of a captured request (padding ignored)', () => {
    expect(parseArpFrame(captured)).toEqual({ ok: true, packet: request });
  });

  test('marshals to the captured bytes, zero-padded to 60', () => {
    expect(toHex(marshalArpFrame(request))).toBe(toHex(captured));
  });

  test('parses an unpadded 42-byte frame too (software senders may not pad)', () => {
    expect(parseArpFrame(captured.subarray(0, 42))).toEqual({ ok: true, packet: request });
  });

  test.each([
    ['ethernet destination', 0, [0, 1, 2, 3, 4, 5], (f: ArpFrame) => f.ethernet.destination, mac('00:01:02:03:04:05')],
    ['ethernet source', 6, [2, 0, 0, 0, 0, 9], (f: ArpFrame) => f.ethernet.source, mac('02:00:00:00:00:09')],
    ['operation reply', 20, [0, 2], (f: ArpFrame) => f.arp.operation, ARP_REPLY],
    ['sender MAC', 22, [2, 0xaa, 0, 0, 0, 1], (f: ArpFrame) => f.arp.senderMac, mac('02:aa:00:00:00:01')],
    ['sender IP', 28, [10, 0, 0, 7], (f: ArpFrame) => f.arp.senderIp, ip('10.0.0.7')],
    ['target MAC', 32, [2, 0xbb, 0, 0, 0, 2], (f: ArpFrame) => f.arp.targetMac, mac('02:bb:00:00:00:02')],
    ['target IP', 38, [10, 0, 0, 8], (f: ArpFrame) => f.arp.targetIp, ip('10.0.0.8')],
  ])('field: %s', (_name, offset, bytes, get, want) => {
    const r = parseArpFrame(patched(offset, bytes));
    expect(r.ok && get(r.packet)).toEqual(want);
  });

  test.each([
    ['short-frame', captured.subarray(0, 13)],
    ['not-arp-ethertype', patched(12, [0x08, 0x00])],
    ['not-arp-ethertype', patched(12, [0x81, 0x00])],
    ['short-arp', captured.subarray(0, 41)],
    ['bad-hardware-type', patched(14, [0, 6])],
    ['bad-protocol-type', patched(16, [0x86, 0xdd])],
    ['bad-address-lengths', patched(18, [8, 4])],
    ['bad-address-lengths', patched(18, [6, 16])],
    ['unknown-opcode', patched(20, [0, 3])],
    ['unknown-opcode', patched(20, [0, 0])],
    ['unknown-opcode', patched(20, [1, 1])],
  ])('rejects %s', (reason, frame) => {
    expect(parseArpFrame(frame)).toEqual({ ok: false, reason });
  });

  test('property: parse(marshal(x)) = x', () => {
    const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
    const ipArb = fc.bigInt({ min: 0n, max: 0xffffffffn }).map((value) => ({ family: 4 as const, value }));
    const frameArb = fc.record({
      ethernet: fc.record({ destination: macArb, source: macArb }),
      arp: fc.record({
        operation: fc.constantFrom(ARP_REQUEST, ARP_REPLY),
        senderMac: macArb,
        senderIp: ipArb,
        targetMac: macArb,
        targetIp: ipArb,
      }),
    });
    fc.assert(
      fc.property(frameArb, (f: ArpFrame) => {
        const padded = marshalArpFrame(f);
        expect(padded.length).toBe(60);
        expect(parseArpFrame(padded)).toEqual({ ok: true, packet: f });
        expect(parseArpFrame(padded.subarray(0, 42))).toEqual({ ok: true, packet: f });
      }),
    );
  });
});
