// The version 2 datagram: binary, authenticated, always under MAX_DATAGRAM_BYTES (no IP
// fragmentation at any cluster size). Decoding checks the MAC before it reads any field, bounds
// every length and returns errors as values; it never throws, whatever the bytes.
//
// Layout (big-endian):
//   magic "L2HB" | version u8 = 2 | type u8 (1 alive, 2 leaving) | nameLen u8 | sender name
//   | sender bootId 16 bytes | seq u64 | reportCount u8 | reportCount × report
//   | HMAC-SHA256 (32 bytes) over everything before it
// report:
//   nameLen u8 | origin name | origin bootId 16 bytes | version u32
//   | flags+count u8 (bit 7: the origin is starting, see engine.ts rule 3; bits 0-6: suspectCount <= 8)
//   | suspectCount × 8-byte name hash (nameHash below) of a neighbour the origin does not hear
// Suspects travel as hashes so a report has a fixed bound whatever the node names (8 names of 253
// bytes would not fit); receivers map hashes back through the expected peer list.
import { createHash } from 'node:crypto';
import { authenticate, BOOT_ID_BYTES, mac, MAC_BYTES, MAGIC, readName, readSenderHeader, senderHeaderError, validBootId, validNodeName, writeSenderHeader, type HeartbeatType, type SenderHeader } from '../codec.js';

export const VERSION_2 = 2;
/** Under the 1,280-byte IPv6 minimum MTU with room for IP and UDP headers. */
export const MAX_DATAGRAM_BYTES = 1200;
export const MAX_SUSPECTS = 8;
export const NAME_HASH_BYTES = 8;
const HEADER_FIXED = MAGIC.length + 3 + BOOT_ID_BYTES + 8 + 1; // magic, version, type, nameLen, boot, seq, count
const REPORT_FIXED = 1 + BOOT_ID_BYTES + 4 + 1;
const MAX_VERSION = 0xffffffff;
const STARTING_BIT = 0x80;

export type DatagramType = HeartbeatType;

/** What one node currently does not hear among its neighbours, numbered per boot id. */
export interface Report {
  readonly origin: string;
  readonly bootId: string;
  readonly version: number;
  /** Name hashes (16 hex digits) of the suspected neighbours. */
  readonly suspects: readonly string[];
  /** The origin started less than deadAfter ago: it cannot vouch for anyone yet. */
  readonly starting: boolean;
}

export interface Datagram2 extends SenderHeader {
  readonly reports: readonly Report[];
}

export type Decode2Rejection = 'short' | 'too-long' | 'bad-magic' | 'bad-version' | 'bad-mac' | 'malformed';
export type Decoded2 = { ok: true; datagram: Datagram2 } | { ok: false; reason: Decode2Rejection };

/** 16 hex digits identifying a node name on the wire. */
export const nameHash = (name: string): string => createHash('sha256').update(name).digest('hex').slice(0, NAME_HASH_BYTES * 2);

export const headerBytes = (node: string): number => HEADER_FIXED + Buffer.byteLength(node, 'latin1') + MAC_BYTES;
export const reportBytes = (r: Report): number => REPORT_FIXED + Buffer.byteLength(r.origin, 'latin1') + r.suspects.length * NAME_HASH_BYTES;

const HASH = /^[0-9a-f]{16}$/;

function validReport(r: Report): boolean {
  return (
    validNodeName(r.origin) &&
    validBootId(r.bootId) &&
    Number.isInteger(r.version) &&
    r.version >= 0 &&
    r.version <= MAX_VERSION &&
    r.suspects.length <= MAX_SUSPECTS &&
    r.suspects.every((h) => HASH.test(h))
  );
}

/** Encodes one datagram; an error when a field is invalid or it would exceed MAX_DATAGRAM_BYTES. */
export function encode2(d: Datagram2, key: Uint8Array): { ok: true; bytes: Buffer } | { ok: false; error: string } {
  const headerError = senderHeaderError(d);
  if (headerError !== null) return { ok: false, error: headerError };
  if (d.reports.length > 255) return { ok: false, error: 'too many reports' };
  let size = headerBytes(d.node);
  for (const r of d.reports) {
    if (!validReport(r)) return { ok: false, error: `invalid report of ${JSON.stringify(r.origin)}` };
    size += reportBytes(r);
  }
  if (size > MAX_DATAGRAM_BYTES) return { ok: false, error: `datagram of ${size} bytes exceeds ${MAX_DATAGRAM_BYTES}` };
  const buf = Buffer.allocUnsafe(size);
  let o = writeSenderHeader(buf, VERSION_2, d);
  o = buf.writeUInt8(d.reports.length, o);
  for (const r of d.reports) {
    o = buf.writeUInt8(r.origin.length, o);
    o += buf.write(r.origin, o, 'latin1');
    o += buf.write(r.bootId, o, 'hex');
    o = buf.writeUInt32BE(r.version, o);
    o = buf.writeUInt8(r.suspects.length | (r.starting ? STARTING_BIT : 0), o);
    for (const h of r.suspects) o += buf.write(h, o, 'hex');
  }
  mac(key, buf.subarray(0, o)).copy(buf, o);
  return { ok: true, bytes: buf };
}

/** The wire version byte of a datagram, or null when it is not one of ours. */
export function wireVersionOf(bytes: Uint8Array): number | null {
  if (bytes.length <= MAGIC.length) return null;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return null;
  return bytes[MAGIC.length] as number;
}

/** Decodes and authenticates; any of `keys` may have signed it (rotation). */
export function decode2(bytes: Uint8Array, keys: readonly Uint8Array[]): Decoded2 {
  const frame = authenticate(bytes, keys, { version: VERSION_2, minBytes: HEADER_FIXED + 1 + MAC_BYTES, maxBytes: MAX_DATAGRAM_BYTES });
  if (!frame.ok) return frame;
  const d = parse(frame.body);
  return d === null ? { ok: false, reason: 'malformed' } : { ok: true, datagram: d };
}

function parse(b: Buffer): Datagram2 | null {
  const sender = readSenderHeader(b);
  if (!sender) return null;
  let o = sender.next;
  if (o + 1 > b.length) return null;
  const count = b[o++] as number;
  const reports: Report[] = [];
  for (let i = 0; i < count; i++) {
    const origin = readName(b, o);
    if (!origin || origin.next + REPORT_FIXED - 1 > b.length) return null;
    o = origin.next;
    const originBoot = b.toString('hex', o, o + BOOT_ID_BYTES);
    o += BOOT_ID_BYTES;
    const version = b.readUInt32BE(o);
    o += 4;
    const flags = b[o++] as number;
    const n = flags & ~STARTING_BIT;
    if (n > MAX_SUSPECTS || o + n * NAME_HASH_BYTES > b.length) return null;
    const suspects: string[] = [];
    for (let j = 0; j < n; j++) {
      suspects.push(b.toString('hex', o, o + NAME_HASH_BYTES));
      o += NAME_HASH_BYTES;
    }
    reports.push({ origin: origin.name, bootId: originBoot, version, suspects, starting: (flags & STARTING_BIT) !== 0 });
  }
  if (o !== b.length) return null;
  return { ...sender.header, reports };
}

/**
 * Packs reports into as few datagrams as fit: each list fits one datagram with this sender's
 * header. A single report always fits (its size is bounded well under the limit).
 */
export function packReports(node: string, reports: readonly Report[]): Report[][] {
  const budget = MAX_DATAGRAM_BYTES - headerBytes(node);
  const out: Report[][] = [];
  let cur: Report[] = [];
  let used = 0;
  for (const r of reports) {
    const size = reportBytes(r);
    if (cur.length > 0 && (used + size > budget || cur.length === 255)) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(r);
    used += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
