// Address ranges as [first, last] bigint pairs: one pool entry ("10.0.0.0/24" or "10.0.0.1-10.0.0.9")
// becomes one range, so a /8 or a /64 costs two numbers, never a list of addresses.
// Parsing follows MetalLB (config.ParseCIDR): a CIDR may have host bits set (Go's net.ParseCIDR masks
// them, so "10.0.0.5/24" means 10.0.0.0/24), a range may have spaces around the dash.
import { familyBits, formatIp, parseIp, type IpAddress, type IpFamily, type Parsed } from './address.js';

export interface IpRange {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
  /** The entry as the user wrote it, for messages. */
  readonly text: string;
}

const PREFIX_DIGITS = /^[0-9]{1,3}$/;

export function parseCidr(text: string): Parsed<IpRange> {
  const bad = { ok: false as const, error: `invalid CIDR ${JSON.stringify(text)}` };
  const slash = text.indexOf('/');
  if (slash < 0) {
    // The commonest slip: a bare address. Say how to write it.
    const ip = parseIp(text);
    return ip.ok ? { ok: false, error: `${bad.error}: a single address is written ${text}/${familyBits(ip.value.family)}` } : bad;
  }
  if (slash !== text.lastIndexOf('/')) return bad;
  const addr = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!addr.ok || !PREFIX_DIGITS.test(prefixText)) return bad;
  const bits = familyBits(addr.value.family);
  const prefix = Number(prefixText);
  if (prefix > bits) return bad;
  const hostBits = BigInt(bits - prefix);
  const hostMask = (1n << hostBits) - 1n;
  const first = addr.value.value & ~hostMask;
  return { ok: true, value: { family: addr.value.family, first, last: first | hostMask, text } };
}

export function parseIpRange(text: string): Parsed<IpRange> {
  const dash = text.indexOf('-');
  const q = JSON.stringify;
  const startText = text.slice(0, dash);
  const endText = text.slice(dash + 1);
  const start = parseIp(startText.trim());
  if (!start.ok) return { ok: false, error: `invalid IP range ${q(text)}: invalid start IP ${q(startText)}` };
  const end = parseIp(endText.trim());
  if (!end.ok) return { ok: false, error: `invalid IP range ${q(text)}: invalid end IP ${q(endText)}` };
  if (start.value.family !== end.value.family) {
    return {
      ok: false,
      error: `invalid IP range ${q(text)}: start IP ${q(startText.trim())} and end IP ${q(endText.trim())} are of different IP families`,
    };
  }
  if (start.value.value > end.value.value) {
    return {
      ok: false,
      error: `invalid IP range ${q(text)}: start IP ${q(formatIp(start.value))} is after the end IP ${q(formatIp(end.value))}`,
    };
  }
  return { ok: true, value: { family: start.value.family, first: start.value.value, last: end.value.value, text } };
}

/** A pool entry: "a-b" is a range, anything else must be a CIDR (as MetalLB decides). */
export function parsePoolEntry(text: string): Parsed<IpRange> {
  return text.includes('-') ? parseIpRange(text) : parseCidr(text);
}

export const rangeSize = (r: IpRange): bigint => r.last - r.first + 1n;

export const rangeContains = (r: IpRange, ip: IpAddress): boolean =>
  r.family === ip.family && ip.value >= r.first && ip.value <= r.last;

export const rangesOverlap = (a: IpRange, b: IpRange): boolean =>
  a.family === b.family && a.first <= b.last && b.first <= a.last;

/**
 * IPv4 addresses ending in .0 or .255: some consumer firmwares' smurf protection drops traffic to
 * them, so pools with avoidBuggyIPs never hand them out (MetalLB's ipConfusesBuggyFirmwares).
 */
export function isBuggyIp(ip: IpAddress): boolean {
  if (ip.family !== 4) return false;
  const low = ip.value & 0xffn;
  return low === 0n || low === 0xffn;
}

/** floor(a / b) for b > 0; bigint division truncates toward zero, which is wrong for negatives. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** How many x in [lo, hi] have x mod 256 = m. */
const countLowByte = (lo: bigint, hi: bigint, m: bigint): bigint => floorDiv(hi - m, 256n) - floorDiv(lo - 1n - m, 256n);

/** Number of .0/.255 addresses in [lo, hi] of an IPv4 range (0 for IPv6 or an empty span). */
export function buggyCount(family: IpFamily, lo: bigint, hi: bigint): bigint {
  if (family !== 4 || hi < lo) return 0n;
  return countLowByte(lo, hi, 0n) + countLowByte(lo, hi, 255n);
}

/** Addresses of r in [r.first, upTo] the pool may hand out. */
export function usableCountUpTo(r: IpRange, avoidBuggy: boolean, upTo: bigint): bigint {
  const hi = upTo > r.last ? r.last : upTo;
  if (hi < r.first) return 0n;
  const n = hi - r.first + 1n;
  return avoidBuggy ? n - buggyCount(r.family, r.first, hi) : n;
}

export const usableSize = (r: IpRange, avoidBuggy: boolean): bigint => usableCountUpTo(r, avoidBuggy, r.last);

/**
 * The k-th (0-based) usable address of r, or undefined past the end. O(log size) without
 * enumerating: binary search on the monotone usableCountUpTo.
 */
export function nthUsable(r: IpRange, avoidBuggy: boolean, k: bigint): bigint | undefined {
  if (k < 0n) return undefined;
  if (!avoidBuggy || r.family !== 4) {
    const v = r.first + k;
    return v <= r.last ? v : undefined;
  }
  if (usableCountUpTo(r, true, r.last) <= k) return undefined;
  let lo = r.first + k;
  let hi = r.last;
  while (lo < hi) {
    const mid = (lo + hi) >> 1n;
    if (usableCountUpTo(r, true, mid) >= k + 1n) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

export const rangeFirstIp = (r: IpRange): IpAddress => ({ family: r.family, value: r.first });
export const rangeLastIp = (r: IpRange): IpAddress => ({ family: r.family, value: r.last });

/** "10.0.0.0-10.0.0.255" whatever the user wrote; for logs that compare entries. */
export const formatRange = (r: IpRange): string => `${formatIp(rangeFirstIp(r))}-${formatIp(rangeLastIp(r))}`;
