// Our MurmurHash3 must equal murmurhash3js's for every string: the election hashed through that
// package before, and speakers of both versions must rank nodes the same during an upgrade.
import fc from 'fast-check';
import murmur from 'murmurhash3js';
import { compareHash, hashHex, murmur3x86128 } from './murmur3.js';

describe('murmur3x86128', () => {
  it.each([
    [''],
    ['a'],
    ['node-1#192.0.2.10'],
    ['worker-17.example.com#2001:db8::1:7bc'],
    ['0123456789abcdef'], // exactly one block
    ['0123456789abcdefXYZ'], // a block and a tail
  ])('matches murmurhash3js for %j', (key) => {
    expect(hashHex(murmur3x86128(key))).toBe(murmur.x86.hash128(key));
  });

  it('matches murmurhash3js for random strings, non-ASCII and every tail length included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 })), (key) => {
        expect(hashHex(murmur3x86128(key))).toBe(murmur.x86.hash128(key));
      }),
      { numRuns: 3_000 },
    );
  });

  it('orders hashes exactly as their hex strings order', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (a, b) => {
        const ha = murmur3x86128(a);
        const hb = murmur3x86128(b);
        const hex = hashHex(ha) < hashHex(hb) ? -1 : hashHex(ha) > hashHex(hb) ? 1 : 0;
        expect(Math.sign(compareHash(ha, hb))).toBe(hex);
      }),
      { numRuns: 2_000 },
    );
  });
});
