import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { decodeHeartbeat, encodeHeartbeat, MAC_BYTES, MAX_VIEW_ENTRIES, type Heartbeat } from './codec.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const OTHER = Buffer.from('another key, same length.........');
const boot = (c: string): string => c.repeat(32);
const hb: Heartbeat = {
  type: 'alive',
  node: 'node-a.example',
  bootId: boot('a'),
  seq: 42n,
  view: [
    { node: 'node-b', bootId: boot('b'), ageMs: 37 },
    { node: 'node-c', bootId: boot('c'), ageMs: 0 },
  ],
};

function encoded(h: Heartbeat = hb, key: Uint8Array = KEY): Buffer {
  const r = encodeHeartbeat(h, key);
  if (!r.ok) throw new Error(r.error);
  return r.bytes;
}

/** Re-signs a tampered body, to reach the parser behind the MAC check. */
function resign(body: Buffer): Buffer {
  return Buffer.concat([body, createHmac('sha256', KEY).update(body).digest()]);
}

describe('heartbeat codec', () => {
  it('round-trips', () => {
    expect(decodeHeartbeat(encoded(), [KEY])).toEqual({ ok: true, heartbeat: hb });
    const leaving = { ...hb, type: 'leaving' as const, view: [], seq: 0xffffffffffffffffn };
    expect(decodeHeartbeat(encoded(leaving), [KEY])).toEqual({ ok: true, heartbeat: leaving });
  });

  it('accepts any of the rotation keys, rejects others as bad-mac', () => {
    expect(decodeHeartbeat(encoded(hb, OTHER), [KEY, OTHER]).ok).toBe(true);
    expect(decodeHeartbeat(encoded(hb, OTHER), [KEY])).toEqual({ ok: false, reason: 'bad-mac' });
  });

  it.each([
    ['short', (b: Buffer) => b.subarray(0, 20)],
    ['bad-magic', (b: Buffer) => Buffer.concat([Buffer.from('XXXX'), b.subarray(4)])],
    ['bad-version', (b: Buffer) => Buffer.concat([b.subarray(0, 4), Buffer.from([2]), b.subarray(5)])],
    ['bad-mac', (b: Buffer) => Buffer.concat([b.subarray(0, b.length - 1), Buffer.from([(b[b.length - 1] as number) ^ 1])])],
    ['bad-mac', (b: Buffer) => Buffer.concat([b.subarray(0, 20), Buffer.from([(b[20] as number) ^ 0x80]), b.subarray(21)])],
    ['too-long', () => Buffer.alloc(70000)],
    ['malformed', (b: Buffer) => resign(Buffer.concat([b.subarray(0, b.length - MAC_BYTES), Buffer.from([0])]))], // trailing byte
    ['malformed', (b: Buffer) => resign(Buffer.concat([b.subarray(0, 5), Buffer.from([9]), b.subarray(6, b.length - MAC_BYTES)]))], // type 9
    ['malformed', (b: Buffer) => resign(Buffer.concat([b.subarray(0, 6), Buffer.from([200]), b.subarray(7, b.length - MAC_BYTES)]))], // name runs past
    ['malformed', (b: Buffer) => resign(Buffer.concat([b.subarray(0, 7), Buffer.from('N'), b.subarray(8, b.length - MAC_BYTES)]))], // upper-case name
  ])('rejects %s', (reason, mutate) => {
    expect(decodeHeartbeat(mutate(encoded()), [KEY])).toEqual({ ok: false, reason });
  });

  it('refuses to encode what it would refuse to decode', () => {
    expect(encodeHeartbeat({ ...hb, node: 'Bad_Name' }, KEY).ok).toBe(false);
    expect(encodeHeartbeat({ ...hb, node: 'a'.repeat(254) }, KEY).ok).toBe(false);
    expect(encodeHeartbeat({ ...hb, bootId: 'xyz' }, KEY).ok).toBe(false);
    expect(encodeHeartbeat({ ...hb, seq: -1n }, KEY).ok).toBe(false);
    const big = Array.from({ length: MAX_VIEW_ENTRIES + 1 }, (_, i) => ({ node: `n${i}`, bootId: boot('d'), ageMs: 1 }));
    expect(encodeHeartbeat({ ...hb, view: big }, KEY).ok).toBe(false);
    expect(encodeHeartbeat({ ...hb, node: 'a'.repeat(253), view: big.slice(0, MAX_VIEW_ENTRIES) }, KEY).ok).toBe(true);
  });

  it('clamps ages into uint32', () => {
    const r = decodeHeartbeat(encoded({ ...hb, view: [{ node: 'x', bootId: boot('e'), ageMs: 1e12 }] }), [KEY]);
    expect(r.ok && r.heartbeat.view[0]?.ageMs).toBe(0xffffffff);
  });

  const nodeName = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/);
  const bootId = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
  const heartbeat: fc.Arbitrary<Heartbeat> = fc.record({
    type: fc.constantFrom('alive' as const, 'leaving' as const),
    node: nodeName,
    bootId,
    seq: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
    view: fc.array(fc.record({ node: nodeName, bootId, ageMs: fc.nat(0xffffffff) }), { maxLength: 20 }),
  });

  it('round-trips any valid heartbeat (property)', () => {
    fc.assert(fc.property(heartbeat, (h) => expect(decodeHeartbeat(encoded(h), [KEY])).toEqual({ ok: true, heartbeat: h })));
  });

  it('never throws on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(decodeHeartbeat(bytes, [KEY]).ok).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws, and never accepts, mutated heartbeats (fuzz)', () => {
    const mutation = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }), cut: fc.nat(), extra: fc.uint8Array({ maxLength: 8 }), kind: fc.nat(2) });
    fc.assert(
      fc.property(heartbeat, mutation, (h, m) => {
        const b = Buffer.from(encoded(h));
        let mutated: Buffer;
        if (m.kind === 0) {
          b[m.at % b.length] = (b[m.at % b.length] as number) ^ m.xor;
          mutated = b;
        } else if (m.kind === 1) mutated = b.subarray(0, m.cut % b.length);
        else mutated = Buffer.concat([b, Buffer.from(m.extra.length ? m.extra : [0])]);
        expect(decodeHeartbeat(mutated, [KEY]).ok).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on authenticated garbage: the parser behind the MAC is bounded too (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(255), (tail, type) => {
        const body = Buffer.concat([Buffer.from('L2HB'), Buffer.from([1, type]), Buffer.from(tail)]);
        const r = decodeHeartbeat(resign(body), [KEY]);
        if (r.ok) expect(encoded(r.heartbeat).equals(resign(body))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
