// Addresses to and from wire bytes, for the per-frame path. shared/ip's ipToBytes/ipFromBytes
// go a byte at a time through BigInt (32 BigInt operations for an IPv6 address); here it is four
// 32-bit words, which makes the NDP responder several times faster under a flood. Same results
// (see wire.test.ts).
import type { IpAddress, IpFamily } from '../../shared/ip/address.js';

const word = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

export function readIp(b: Uint8Array, offset: number, family: IpFamily): IpAddress {
  if (family === 4) return { family, value: BigInt(word(b, offset)) };
  const value = (BigInt(word(b, offset)) << 96n) | (BigInt(word(b, offset + 4)) << 64n) | (BigInt(word(b, offset + 8)) << 32n) | BigInt(word(b, offset + 12));
  return { family, value };
}

function putWord(out: Uint8Array, o: number, w: number): void {
  out[o] = w >>> 24;
  out[o + 1] = (w >>> 16) & 0xff;
  out[o + 2] = (w >>> 8) & 0xff;
  out[o + 3] = w & 0xff;
}

/** Writes 4 or 16 bytes at offset. */
export function writeIp(out: Uint8Array, offset: number, ip: IpAddress): void {
  if (ip.family === 4) {
    putWord(out, offset, Number(BigInt.asUintN(32, ip.value)));
    return;
  }
  const v = ip.value;
  putWord(out, offset, Number(BigInt.asUintN(32, v >> 96n)));
  putWord(out, offset + 4, Number(BigInt.asUintN(32, v >> 64n)));
  putWord(out, offset + 8, Number(BigInt.asUintN(32, v >> 32n)));
  putWord(out, offset + 12, Number(BigInt.asUintN(32, v)));
}
