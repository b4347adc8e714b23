// IP addresses as (family, 128-bit-safe bigint) values: the one representation the allocator,
// the packet codecs and validation share. Parsing is strict (no zone ids, no leading zeros,
// no IPv4-in-brackets) and returns errors as values: input comes from users and from the wire.
import { isIPv4, isIPv6 } from 'node:net';
import { Address4, Address6 } from 'ip-address';

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const familyBits = (family: IpFamily): number => (family === 4 ? 32 : 128);
export const familyBytes = (family: IpFamily): number => (family === 4 ? 4 : 16);

export function parseIp(text: string): Parsed<IpAddress> {
  if (isIPv4(text)) return { ok: true, value: { family: 4, value: new Address4(text).bigInt() } };
  if (isIPv6(text) && !text.includes('%')) {
    return { ok: true, value: { family: 6, value: new Address6(text).bigInt() } };
  }
  return { ok: false, error: `"${text}" is not an IPv4 or IPv6 address` };
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (what Kubernetes writes in status). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Address4.fromBigInt(ip.value).correctForm();
  return Address6.fromBigInt(ip.value).correctForm();
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
