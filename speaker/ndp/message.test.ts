import fc from 'fast-check';
import { hex, ip, mac, toHex } from '../testing/fixtures.js';
import { marshalNdpMessage, parseNdpMessage, linkLayerOption, type NdpMessage, type NdpOption } from './message.js';

// A solicitation for fd00::100 with a source link-layer option, as the Linux kernel accepted it
// (checksum for fd00::1 -> ff02::1:ff00:100).
const nsBytes = hex('8700e6cc00000000 fd000000000000000000000000000100 01015ebdd66561ac');
const ns: NdpMessage = {
  type: 135,
  code: 0,
  target: ip('fd00::100'),
  options: [{ kind: 'source-link-layer', mac: mac('5e:bd:d6:65:61:ac') }],
};
const na: NdpMessage = {
  type: 136,
  code: 0,
  router: false,
  solicited: true,
  override: true,
  target: ip('fd00::100'),
  options: [{ kind: 'target-link-layer', mac: mac('02:00:00:00:00:01') }],
};

function patched(base: Uint8Array, offset: number, bytes: number[]): Uint8Array {
  const f = base.slice();
  f.set(bytes, offset);
  return f;
}

describe('NDP message codec', () => {
  test('parses a solicitation: every field, checksum as received', () => {
    expect(parseNdpMessage(nsBytes)).toEqual({ ok: true, packet: { message: ns, checksum: 0xe6cc } });
  });

  test('marshals a solicitation to the same bytes (checksum as given)', () => {
    expect(toHex(marshalNdpMessage(ns, 0xe6cc))).toBe(toHex(nsBytes));
    expect(toHex(marshalNdpMessage(ns).subarray(2, 4))).toBe('0000');
  });

  test('advertisement flags: R, S, O are the top three bits of byte 4, reserved bits ignored', () => {
    const bytes = marshalNdpMessage(na);
    expect(toHex(bytes.subarray(0, 8))).toBe('8800000060000000');
    for (const [flags, router, solicited, override] of [
      [0x80, true, false, false],
      [0x40, false, true, false],
      [0x20, false, false, true],
      [0xff, true, true, true],
      [0x1f, false, false, false],
    ] as const) {
      const r = parseNdpMessage(patched(bytes, 4, [flags, 0xff, 0xff, 0xff]));
      expect(r.ok && r.packet.message).toMatchObject({ router, solicited, override });
    }
  });

  test('solicitation reserved bytes are ignored', () => {
    const r = parseNdpMessage(patched(nsBytes, 4, [0xff, 0xff, 0xff, 0xff]));
    expect(r.ok && r.packet.message).toEqual(ns);
  });

  test('code and target are read as sent', () => {
    const r = parseNdpMessage(patched(nsBytes, 1, [7]));
    expect(r.ok && r.packet.message.code).toBe(7);
    const t = parseNdpMessage(patched(nsBytes, 8, [0xfe, 0x80]));
    expect(t.ok && t.packet.message.target).toEqual(ip('fe80::100'));
  });

  test('options: unknown ones are kept and skipped, the first link-layer option wins', () => {
    const bytes = hex(
      '8700000000000000 fd000000000000000000000000000100' +
        '0e01aabbccddeeff' + // type 14 (nonce), one unit
        '01010200000000aa' + // source link-layer
        '01010200000000bb', // duplicate, ignored by linkLayerOption
    );
    const r = parseNdpMessage(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.packet.message.options).toEqual([
      { kind: 'other', type: 14, body: hex('aabbccddeeff') },
      { kind: 'source-link-layer', mac: mac('02:00:00:00:00:aa') },
      { kind: 'source-link-layer', mac: mac('02:00:00:00:00:bb') },
    ]);
    expect(linkLayerOption(r.packet.message, 'source-link-layer')).toEqual(mac('02:00:00:00:00:aa'));
    expect(linkLayerOption(r.packet.message, 'target-link-layer')).toBeUndefined();
  });

  test('no options is fine', () => {
    const r = parseNdpMessage(nsBytes.subarray(0, 24));
    expect(r.ok && r.packet.message.options).toEqual([]);
  });

  test.each([
    ['short-message', new Uint8Array(0)],
    ['short-message', nsBytes.subarray(0, 3)],
    ['short-message', nsBytes.subarray(0, 23)],
    ['not-neighbor-discovery', patched(nsBytes, 0, [128])],
    ['not-neighbor-discovery', patched(nsBytes, 0, [134])],
    ['not-neighbor-discovery', patched(nsBytes, 0, [137])],
    ['option-zero-length', patched(nsBytes, 25, [0])],
    ['option-zero-length', hex('8700000000000000 fd000000000000000000000000000100 0e00000000000000')],
    ['option-truncated', patched(nsBytes, 25, [2])],
    ['option-truncated', nsBytes.subarray(0, 25)],
    ['option-truncated', nsBytes.subarray(0, 31)],
    ['bad-link-layer-option', hex('8700000000000000 fd000000000000000000000000000100 0102' + '00'.repeat(14))],
    ['bad-link-layer-option', hex('8800000000000000 fd000000000000000000000000000100 0202' + '00'.repeat(14))],
  ])('rejects %s', (reason, bytes) => {
    expect(parseNdpMessage(bytes)).toEqual({ ok: false, reason });
  });

  test('property: parse(marshal(x)) = x', () => {
    const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
    const optionArb: fc.Arbitrary<NdpOption> = fc.oneof(
      macArb.map((m) => ({ kind: 'source-link-layer' as const, mac: m })),
      macArb.map((m) => ({ kind: 'target-link-layer' as const, mac: m })),
      fc
        .record({ type: fc.integer({ min: 3, max: 255 }), units: fc.integer({ min: 1, max: 4 }) })
        .chain(({ type, units }) =>
          fc.uint8Array({ minLength: units * 8 - 2, maxLength: units * 8 - 2 }).map((body) => ({ kind: 'other' as const, type, body })),
        ),
    );
    const common = {
      code: fc.integer({ min: 0, max: 255 }),
      target: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value) => ({ family: 6 as const, value })),
      options: fc.array(optionArb, { maxLength: 5 }),
    };
    const msgArb: fc.Arbitrary<NdpMessage> = fc.oneof(
      fc.record({ type: fc.constant(135 as const), ...common }),
      fc.record({ type: fc.constant(136 as const), router: fc.boolean(), solicited: fc.boolean(), override: fc.boolean(), ...common }),
    );
    fc.assert(
      fc.property(msgArb, fc.integer({ min: 0, max: 0xffff }), (m, checksum) => {
        expect(parseNdpMessage(marshalNdpMessage(m, checksum))).toEqual({ ok: true, packet: { message: m, checksum } });
      }),
    );
  });
});
