// IP addresses as (family, 128-bit-safe bigint) values: the one representation the allocator,
// the packet codecs and validation share. Parsing is strict (no zone ids, no leading zeros,
// no IPv4-in-brackets) and returns errors as values: input comes from users and from the wire.
// Node's validators decide what is an address; the conversions are our own, because every
// election formats and parses thousands of addresses (a general IP library's regular
// expressions were a quarter of a takeover's CPU).
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const familyBits = (family: IpFamily): number => (family === 4 ? 32 : 128);
export const familyBytes = (family: IpFamily): number => (family === 4 ? 4 : 16);

export function parseIp(text: string): Parsed<IpAddress> {
  if (isIPv4(text)) return { ok: true, value: { family: 4, value: BigInt(dottedQuadValue(text)) } };
  if (isIPv6(text) && !text.includes('%')) return { ok: true, value: { family: 6, value: ipv6Value(text) } };
  return { ok: false, error: `"${text}" is not an IPv4 or IPv6 address` };
}

/** The 32-bit value of a dotted quad that isIPv4 accepted. */
function dottedQuadValue(text: string): number {
  let v = 0;
  for (const part of text.split('.')) v = v * 256 + Number(part);
  return v;
}

/** The 16-bit groups of an address isIPv6 accepted: "::" fills with zeros, a dotted tail is two groups. */
function ipv6Value(text: string): bigint {
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = dottedQuadValue(g);
        out.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const gap = text.indexOf('::');
  const head = groupsOf(gap < 0 ? text : text.slice(0, gap));
  const tail = gap < 0 ? [] : groupsOf(text.slice(gap + 2));
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (what Kubernetes writes in status). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    const v = Number(ip.value);
    return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((ip.value >> shift) & 0xffffn));
  // RFC 5952 4.2: the longest run of two or more zero groups becomes "::", the first on a tie.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

export function ipToBytes(ip: IpAddress): Uint8Array {
  const n = familyBytes(ip.family);
  const out = new Uint8Array(n);
  let v = ip.value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Reads 4 or 16 bytes at offset; the caller has checked the length. */
export function ipFromBytes(bytes: Uint8Array, family: IpFamily, offset = 0): IpAddress {
  let v = 0n;
  for (let i = 0; i < familyBytes(family); i++) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return { family, value: v };
}

export const ipEquals = (a: IpAddress, b: IpAddress): boolean => a.family === b.family && a.value === b.value;

/** Orders IPv4 before IPv6, then by value: a stable order for sets and reports. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
