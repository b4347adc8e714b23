// The heartbeat datagram: binary, versioned, authenticated. Input comes from the network, so
// decoding checks the MAC before it reads any field, bounds every length, and returns errors as
// values; it never throws, whatever the bytes (fuzzed in codec.test.ts).
//
// Layout (big-endian), version 1:
//   magic "L2HB" | version u8 | type u8 (1 alive, 2 leaving) | nameLen u8 | name
//   | bootId 16 bytes | seq u64 | viewCount u16
//   | viewCount × (nameLen u8 | name | bootId 16 bytes | ageMs u32)
//   | HMAC-SHA256 (32 bytes) over everything before it
// There is no sender timestamp: clocks are not shared, so receivers use their own monotonic
// receive time, and the view carries ages (durations), never instants.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAGIC = Buffer.from('L2HB', 'latin1');
export const VERSION = 1;
export const MAC_BYTES = 32;
export const BOOT_ID_BYTES = 16;
export const MAX_NAME_BYTES = 253;
/** Enough for any cluster a full-mesh heartbeat suits; keeps a datagram under 64 KiB. */
export const MAX_VIEW_ENTRIES = 200;
export const MAX_AGE_MS = 0xffffffff;
const HEADER_BYTES = MAGIC.length + 3; // magic, version, type, nameLen
const MIN_BYTES = HEADER_BYTES + 1 + BOOT_ID_BYTES + 8 + 2 + MAC_BYTES;
/** Largest UDP payload over IPv4. */
export const MAX_DATAGRAM_BYTES = 65507;

export type HeartbeatType = 'alive' | 'leaving';

/** A peer the sender hears directly, and how long ago (sender's clock) it last heard it. */
export interface ViewEntry {
  readonly node: string;
  /** 32 lowercase hex digits. */
  readonly bootId: string;
  readonly ageMs: number;
}

export interface Heartbeat extends SenderHeader {
  readonly view: readonly ViewEntry[];
}

export type DecodeRejection = 'short' | 'too-long' | 'bad-magic' | 'bad-version' | 'bad-mac' | 'malformed';
export type Decoded = { ok: true; heartbeat: Heartbeat } | { ok: false; reason: DecodeRejection };
export type Encoded = { ok: true; bytes: Buffer } | { ok: false; error: string };

// Kubernetes node names are DNS-1123 subdomains; anything else on the wire is malformed.
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const BOOT_ID = /^[0-9a-f]{32}$/;

export const validNodeName = (name: string): boolean => name.length <= MAX_NAME_BYTES && NODE_NAME.test(name);
export const validBootId = (id: string): boolean => BOOT_ID.test(id);

const typeCode: Record<HeartbeatType, number> = { alive: 1, leaving: 2 };

export const mac = (key: Uint8Array, data: Uint8Array): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * The frame every wire version shares: MAGIC, a version byte, the body, an HMAC-SHA256 trailer
 * over both. Checks size, magic, version and MAC (any of `keys` may have signed it: rotation) and
 * returns the authenticated body (MAGIC and version included) for the version's own parser.
 */
export function authenticate(
  bytes: Uint8Array,
  keys: readonly Uint8Array[],
  frame: { readonly version: number; readonly minBytes: number; readonly maxBytes: number },
): { ok: true; body: Buffer } | { ok: false; reason: Exclude<DecodeRejection, 'malformed'> } {
  if (bytes.length < frame.minBytes) return { ok: false, reason: 'short' };
  if (bytes.length > frame.maxBytes) return { ok: false, reason: 'too-long' };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return { ok: false, reason: 'bad-magic' };
  if (buf[MAGIC.length] !== frame.version) return { ok: false, reason: 'bad-version' };
  const body = buf.subarray(0, buf.length - MAC_BYTES);
  const got = buf.subarray(buf.length - MAC_BYTES);
  if (!keys.some((k) => timingSafeEqual(mac(k, body), got))) return { ok: false, reason: 'bad-mac' };
  return { ok: true, body };
}

export function encodeHeartbeat(hb: Heartbeat, key: Uint8Array): Encoded {
  const headerError = senderHeaderError(hb);
  if (headerError !== null) return { ok: false, error: headerError };
  if (hb.view.length > MAX_VIEW_ENTRIES) return { ok: false, error: `view has ${hb.view.length} entries, max ${MAX_VIEW_ENTRIES}` };
  for (const e of hb.view) {
    if (!validNodeName(e.node) || !validBootId(e.bootId)) return { ok: false, error: `invalid view entry ${JSON.stringify(e.node)}` };
  }
  const size = HEADER_BYTES + hb.node.length + BOOT_ID_BYTES + 8 + 2 + hb.view.reduce((n, e) => n + 1 + e.node.length + BOOT_ID_BYTES + 4, 0) + MAC_BYTES;
  if (size > MAX_DATAGRAM_BYTES) return { ok: false, error: `heartbeat of ${size} bytes exceeds a datagram` };

  const buf = Buffer.alloc(size);
  let o = writeSenderHeader(buf, VERSION, hb);
  o = buf.writeUInt16BE(hb.view.length, o);
  for (const e of hb.view) {
    o = buf.writeUInt8(e.node.length, o);
    o += buf.write(e.node, o, 'latin1');
    o += buf.write(e.bootId, o, 'hex');
    o = buf.writeUInt32BE(Math.min(MAX_AGE_MS, Math.max(0, Math.floor(e.ageMs))), o);
  }
  mac(key, buf.subarray(0, o)).copy(buf, o);
  return { ok: true, bytes: buf };
}

/**
 * Decodes and authenticates. Any of `keys` may have signed it, so the shared key can be rotated
 * (new key first, old key still accepted) without speakers dropping each other's heartbeats.
 */
export function decodeHeartbeat(bytes: Uint8Array, keys: readonly Uint8Array[]): Decoded {
  const frame = authenticate(bytes, keys, { version: VERSION, minBytes: MIN_BYTES, maxBytes: MAX_DATAGRAM_BYTES });
  if (!frame.ok) return frame;
  const hb = parseBody(frame.body);
  return hb === null ? { ok: false, reason: 'malformed' } : { ok: true, heartbeat: hb };
}

/** Reads the authenticated body; null on any inconsistency (a buggy or newer peer, not an attacker). */
function parseBody(b: Buffer): Heartbeat | null {
  const sender = readSenderHeader(b);
  if (!sender) return null;
  let o = sender.next;
  if (o + 2 > b.length) return null;
  const count = b.readUInt16BE(o);
  o += 2;
  if (count > MAX_VIEW_ENTRIES) return null;
  const view: ViewEntry[] = [];
  for (let i = 0; i < count; i++) {
    const n = readName(b, o);
    if (!n || n.next + BOOT_ID_BYTES + 4 > b.length) return null;
    o = n.next;
    const entryBoot = b.toString('hex', o, o + BOOT_ID_BYTES);
    o += BOOT_ID_BYTES;
    view.push({ node: n.name, bootId: entryBoot, ageMs: b.readUInt32BE(o) });
    o += 4;
  }
  if (o !== b.length) return null;
  return { ...sender.header, view };
}

/** The sender fields every wire version puts right after MAGIC and its version byte. */
export interface SenderHeader {
  readonly type: HeartbeatType;
  readonly node: string;
  /** 32 lowercase hex digits, random per process start. */
  readonly bootId: string;
  /** Per boot id, strictly increasing; uint64. */
  readonly seq: bigint;
}

/** Why `h` cannot go on the wire; null when it can. */
export function senderHeaderError(h: SenderHeader): string | null {
  if (!validNodeName(h.node)) return `invalid node name ${JSON.stringify(h.node)}`;
  if (!validBootId(h.bootId)) return 'boot id must be 32 hex digits';
  if (h.seq < 0n || h.seq > 0xffffffffffffffffn) return 'sequence out of uint64 range';
  return null;
}

/** Writes MAGIC, `version` and the (valid) sender header at the start of `buf`; returns the offset after them. */
export function writeSenderHeader(buf: Buffer, version: number, h: SenderHeader): number {
  let o = MAGIC.copy(buf, 0);
  o = buf.writeUInt8(version, o);
  o = buf.writeUInt8(typeCode[h.type], o);
  o = buf.writeUInt8(h.node.length, o);
  o += buf.write(h.node, o, 'latin1');
  o += buf.write(h.bootId, o, 'hex');
  return buf.writeBigUInt64BE(h.seq, o);
}

/** The sender header of an authenticated body and the offset after it; null when it is inconsistent. */
export function readSenderHeader(b: Buffer): { header: SenderHeader; next: number } | null {
  let o = MAGIC.length + 1;
  const code = b[o++];
  const type: HeartbeatType | null = code === 1 ? 'alive' : code === 2 ? 'leaving' : null;
  if (type === null) return null;
  const name = readName(b, o);
  if (!name) return null;
  o = name.next;
  if (o + BOOT_ID_BYTES + 8 > b.length) return null;
  const bootId = b.toString('hex', o, o + BOOT_ID_BYTES);
  o += BOOT_ID_BYTES;
  return { header: { type, node: name.name, bootId, seq: b.readBigUInt64BE(o) }, next: o + 8 };
}

/** A length-prefixed node name at `o`, validated; null when it is not one. */
export function readName(b: Buffer, o: number): { name: string; next: number } | null {
  if (o >= b.length) return null;
  const len = b[o] as number;
  if (len === 0 || len > MAX_NAME_BYTES || o + 1 + len > b.length) return null;
  const name = b.toString('latin1', o + 1, o + 1 + len);
  return validNodeName(name) ? { name, next: o + 1 + len } : null;
}
