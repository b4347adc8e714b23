import { BROADCAST_MAC, formatMac, isGroupMac, isZeroMac, macEquals, macFromBytes, parseMac, ZERO_MAC } from './mac.js';

describe('mac', () => {
  test.each([
    ['02:00:5e:10:00:01', [2, 0, 0x5e, 0x10, 0, 1]],
    ['AA-BB-CC-DD-EE-FF', [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]],
  ])('parses %s', (text, bytes) => {
    const r = parseMac(text);
    expect(r.ok && Array.from(r.value)).toEqual(bytes);
  });

  test.each(['', '02:00:5e:10:00', '02:00:5e:10:00:01:02', '2:0:5e:10:0:1', 'zz:00:5e:10:00:01'])('rejects %j', (text) => {
    expect(parseMac(text).ok).toBe(false);
  });

  test('formats lowercase with colons', () => {
    expect(formatMac(Uint8Array.of(0xaa, 0xb, 0, 1, 2, 0xff))).toBe('aa:0b:00:01:02:ff');
  });

  test('group bit and zero', () => {
    expect(isGroupMac(BROADCAST_MAC)).toBe(true);
    expect(isGroupMac(Uint8Array.of(0x33, 0x33, 0, 0, 0, 1))).toBe(true);
    expect(isGroupMac(Uint8Array.of(0x02, 0, 0, 0, 0, 1))).toBe(false);
    expect(isZeroMac(ZERO_MAC)).toBe(true);
    expect(isZeroMac(BROADCAST_MAC)).toBe(false);
  });

  test('macFromBytes copies into a plain Uint8Array', () => {
    const buf = Buffer.from('00112233445566778899', 'hex');
    const m = macFromBytes(buf, 2);
    buf[2] = 0xff;
    expect(Object.getPrototypeOf(m)).toBe(Uint8Array.prototype);
    expect(macEquals(m, Uint8Array.of(0x22, 0x33, 0x44, 0x55, 0x66, 0x77))).toBe(true);
  });
});
