import fc from 'fast-check';
import {
  buggyCount,
  isBuggyIp,
  nthUsable,
  parsePoolEntry,
  rangeContains,
  rangesOverlap,
  rangeSize,
  usableCountUpTo,
  usableSize,
  type IpRange,
} from './range.js';

const ok = (text: string): IpRange => {
  const r = parsePoolEntry(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('parsePoolEntry', () => {
  it.each([
    ['10.0.0.0/24', 4, 0x0a000000n, 0x0a0000ffn],
    ['10.0.0.5/24', 4, 0x0a000000n, 0x0a0000ffn], // host bits set: masked, as MetalLB (net.ParseCIDR)
    ['10.0.0.7/32', 4, 0x0a000007n, 0x0a000007n],
    ['0.0.0.0/0', 4, 0n, 0xffffffffn],
    ['10.0.0.0/8', 4, 0x0a000000n, 0x0affffffn],
    ['2001:db8::/64', 6, 0x20010db8n << 96n, (0x20010db8n << 96n) | 0xffffffffffffffffn],
    ['10.0.0.1-10.0.0.9', 4, 0x0a000001n, 0x0a000009n],
    ['10.0.0.1 - 10.0.0.9', 4, 0x0a000001n, 0x0a000009n],
    ['10.0.0.1-10.0.0.1', 4, 0x0a000001n, 0x0a000001n],
    ['2001:db8::1-2001:db8::ff', 6, (0x20010db8n << 96n) | 1n, (0x20010db8n << 96n) | 0xffn],
  ])('%s', (text, family, first, last) => {
    expect(parsePoolEntry(text)).toEqual({ ok: true, value: { family, first, last, text } });
  });

  it.each([
    ['10.0.0.300/24', 'invalid CIDR "10.0.0.300/24"'],
    ['10.0.0.0/33', 'invalid CIDR "10.0.0.0/33"'],
    ['2001:db8::/129', 'invalid CIDR "2001:db8::/129"'],
    ['10.0.0.0', 'invalid CIDR "10.0.0.0": a single address is written 10.0.0.0/32'],
    ['2001:db8::1', 'invalid CIDR "2001:db8::1": a single address is written 2001:db8::1/128'],
    ['10.0.0.0/', 'invalid CIDR "10.0.0.0/"'],
    ['10.0.0.0/2a', 'invalid CIDR "10.0.0.0/2a"'],
    ['10.0.0.0/24/8', 'invalid CIDR "10.0.0.0/24/8"'],
    ['', 'invalid CIDR ""'],
    ['10.0.0.9-10.0.0.1', 'invalid IP range "10.0.0.9-10.0.0.1": start IP "10.0.0.9" is after the end IP "10.0.0.1"'],
    ['10.0.0.x-10.0.0.1', 'invalid IP range "10.0.0.x-10.0.0.1": invalid start IP "10.0.0.x"'],
    ['10.0.0.1-', 'invalid IP range "10.0.0.1-": invalid end IP ""'],
    ['10.0.0.1-2001:db8::1', 'invalid IP range "10.0.0.1-2001:db8::1": start IP "10.0.0.1" and end IP "2001:db8::1" are of different IP families'],
    ['10.0.0.0/24-10.0.1.0/24', 'invalid IP range "10.0.0.0/24-10.0.1.0/24": invalid start IP "10.0.0.0/24"'],
  ])('rejects %j', (text, error) => {
    expect(parsePoolEntry(text)).toEqual({ ok: false, error });
  });
});

describe('range math', () => {
  it('sizes a /8 and a /64 without enumerating', () => {
    expect(rangeSize(ok('10.0.0.0/8'))).toBe(1n << 24n);
    expect(rangeSize(ok('2001:db8::/64'))).toBe(1n << 64n);
    expect(usableSize(ok('10.0.0.0/8'), true)).toBe((1n << 24n) - 2n * 65536n);
    expect(usableSize(ok('2001:db8::/64'), true)).toBe(1n << 64n);
  });

  it('counts buggy addresses in partial /24s', () => {
    expect(usableSize(ok('10.0.0.0/30'), true)).toBe(3n);
    expect(usableSize(ok('10.0.0.252/30'), true)).toBe(3n);
    expect(usableSize(ok('10.0.0.4/30'), true)).toBe(4n);
    expect(usableSize(ok('10.0.0.250-10.0.1.5'), true)).toBe(12n - 2n);
  });

  it('contains and overlap respect families', () => {
    const a = ok('10.0.0.0/24');
    expect(rangeContains(a, { family: 4, value: 0x0a0000ffn })).toBe(true);
    expect(rangeContains(a, { family: 4, value: 0x0a000100n })).toBe(false);
    expect(rangeContains(a, { family: 6, value: 0x0a000001n })).toBe(false);
    expect(rangesOverlap(a, ok('10.0.0.255-10.0.1.3'))).toBe(true);
    expect(rangesOverlap(a, ok('10.0.1.0/24'))).toBe(false);
    expect(rangesOverlap(ok('::/96'), ok('0.0.0.0/0'))).toBe(false);
  });

  it('nthUsable skips .0 and .255', () => {
    const r = ok('10.0.0.254-10.0.1.2');
    expect(nthUsable(r, true, 0n)).toBe(0x0a0000fen);
    expect(nthUsable(r, true, 1n)).toBe(0x0a000101n);
    expect(nthUsable(r, true, 2n)).toBe(0x0a000102n);
    expect(nthUsable(r, true, 3n)).toBeUndefined();
    expect(nthUsable(r, false, 1n)).toBe(0x0a0000ffn);
  });
});

describe('properties', () => {
  const v4Range = fc
    .tuple(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), fc.bigInt({ min: 0n, max: 2000n }))
    .filter(([a, n]) => a + n <= 2n ** 32n - 1n)
    .map(([a, n]): IpRange => ({ family: 4, first: a, last: a + n, text: 't' }));

  it('buggyCount and nthUsable agree with enumeration', () => {
    fc.assert(
      fc.property(v4Range, (r) => {
        const usable: bigint[] = [];
        for (let v = r.first; v <= r.last; v++) if (!isBuggyIp({ family: 4, value: v })) usable.push(v);
        if (buggyCount(4, r.first, r.last) !== rangeSize(r) - BigInt(usable.length)) return false;
        if (usableCountUpTo(r, true, r.last) !== BigInt(usable.length)) return false;
        for (const k of [0, 1, usable.length >> 1, usable.length - 1, usable.length]) {
          if (nthUsable(r, true, BigInt(k)) !== usable[k]) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('a CIDR contains its own address and is prefix-aligned', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), fc.integer({ min: 0, max: 32 }), (v, p) => {
        const text = `${(v >> 24n) & 255n}.${(v >> 16n) & 255n}.${(v >> 8n) & 255n}.${v & 255n}/${p}`;
        const r = ok(text);
        return rangeContains(r, { family: 4, value: v }) && rangeSize(r) === 1n << BigInt(32 - p) && r.first % rangeSize(r) === 0n;
      }),
    );
  });
});
