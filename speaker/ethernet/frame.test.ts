import { mac, toHex } from '../testing/fixtures.js';
import { allocateFrame, ETHERNET_MIN_FRAME_LENGTH, marshalEthernet, parseEthernet } from './frame.js';

describe('ethernet', () => {
  const header = { destination: mac('ff:ff:ff:ff:ff:ff'), source: mac('02:00:00:00:00:01'), ethertype: 0x0806 };

  test('marshal lays out destination, source, ethertype, payload, zero padding to 60 bytes', () => {
    expect(toHex(marshalEthernet(header, Uint8Array.of(1, 2)))).toBe('ffffffffffff' + '020000000001' + '0806' + '0102' + '00'.repeat(44));
  });

  test.each([
    [0, 60],
    [28, 60],
    [46, 60],
    [47, 61],
    [72, 86],
  ])('allocateFrame(%i) is %i zeroed bytes', (payload, length) => {
    const f = allocateFrame(payload);
    expect(f.length).toBe(length);
    expect(f.every((b) => b === 0)).toBe(true);
    expect(f.length).toBeGreaterThanOrEqual(ETHERNET_MIN_FRAME_LENGTH);
  });

  test('parse reads every field and keeps padding in the payload', () => {
    const r = parseEthernet(marshalEthernet(header, new Uint8Array(46)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.packet.destination).toEqual(header.destination);
    expect(r.packet.source).toEqual(header.source);
    expect(r.packet.ethertype).toBe(0x0806);
    expect(r.packet.payload.length).toBe(46);
  });

  test.each([0, 1, 13])('a %i-byte frame is short-frame', (n) => {
    expect(parseEthernet(new Uint8Array(n))).toEqual({ ok: false, reason: 'short-frame' });
  });
});
