// ICMPv6 Neighbor Solicitation / Advertisement (RFC 4861 §4.3, §4.4) with their options (§4.6),
// as a marshal/parse pair over the ICMPv6 message alone: what a raw ICMPv6 socket hands over.
// The IPv6 header around it is ipv6.ts; RFC 4861 §7.1 validity rules are validate.ts.
import type { IpAddress } from '../../shared/ip/address.js';
import { MAC_LENGTH, macFromBytes, type Mac } from '../ethernet/mac.js';
import { accept, reject, type ParseResult } from '../ethernet/result.js';
import { readIp, writeIp } from '../ethernet/wire.js';

export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
export const OPTION_SOURCE_LINK_LAYER = 1;
export const OPTION_TARGET_LINK_LAYER = 2;
/** Type, code, checksum, 4 bytes of flags/reserved, 16-byte target: §7.1.1 "24 or more octets". */
export const NDP_MIN_LENGTH = 24;

export type NdpOption =
  | { readonly kind: 'source-link-layer'; readonly mac: Mac }
  | { readonly kind: 'target-link-layer'; readonly mac: Mac }
  /** Unrecognised options are kept so they can be skipped (§4.6 "MUST silently ignore"). */
  | { readonly kind: 'other'; readonly type: number; readonly body: Uint8Array };

export interface NeighborSolicitation {
  readonly type: typeof ICMPV6_NEIGHBOR_SOLICITATION;
  readonly code: number;
  readonly target: IpAddress;
  readonly options: readonly NdpOption[];
}

export interface NeighborAdvertisement {
  readonly type: typeof ICMPV6_NEIGHBOR_ADVERTISEMENT;
  readonly code: number;
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  readonly target: IpAddress;
  readonly options: readonly NdpOption[];
}

export type NdpMessage = NeighborSolicitation | NeighborAdvertisement;

export interface ParsedNdpMessage {
  readonly message: NdpMessage;
  /** As received; verifying it needs the IPv6 addresses (see ipv6.ts icmpv6Checksum). */
  readonly checksum: number;
}

export const NDP_MESSAGE_DROP_REASONS = [
  'short-message',
  'not-neighbor-discovery',
  'option-zero-length',
  'option-truncated',
  'bad-link-layer-option',
] as const;
export type NdpMessageDropReason = (typeof NDP_MESSAGE_DROP_REASONS)[number];

export function parseNdpMessage(b: Uint8Array): ParseResult<ParsedNdpMessage, NdpMessageDropReason> {
  if (b.length < 4) return reject('short-message');
  const type = b[0]!;
  if (type !== ICMPV6_NEIGHBOR_SOLICITATION && type !== ICMPV6_NEIGHBOR_ADVERTISEMENT) return reject('not-neighbor-discovery');
  if (b.length < NDP_MIN_LENGTH) return reject('short-message');
  const options = parseOptions(b.subarray(NDP_MIN_LENGTH));
  if (!options.ok) return options;
  const code = b[1]!;
  const checksum = (b[2]! << 8) | b[3]!;
  const target = readIp(b, 8, 6);
  if (type === ICMPV6_NEIGHBOR_SOLICITATION) {
    // Bytes 4..7 are reserved: ignored on receipt (§4.3).
    return accept({ checksum, message: { type, code, target, options: options.packet } });
  }
  const flags = b[4]!;
  return accept({
    checksum,
    message: {
      type,
      code,
      router: (flags & 0x80) !== 0,
      solicited: (flags & 0x40) !== 0,
      override: (flags & 0x20) !== 0,
      target,
      options: options.packet,
    },
  });
}

function parseOptions(b: Uint8Array): ParseResult<NdpOption[], NdpMessageDropReason> {
  const out: NdpOption[] = [];
  let o = 0;
  while (o < b.length) {
    if (b.length - o < 2) return reject('option-truncated');
    const type = b[o]!;
    const units = b[o + 1]!;
    // §7.1.1/§7.1.2: a zero length would loop forever; the whole message is invalid.
    if (units === 0) return reject('option-zero-length');
    const len = units * 8;
    if (o + len > b.length) return reject('option-truncated');
    if (type === OPTION_SOURCE_LINK_LAYER || type === OPTION_TARGET_LINK_LAYER) {
      // On Ethernet a link-layer option is exactly one unit: 2 header bytes + 6-byte MAC
      // (RFC 2464 §8). Linux drops other lengths too ("invalid link-layer address length").
      if (units !== 1) return reject('bad-link-layer-option');
      const mac = macFromBytes(b, o + 2);
      out.push(type === OPTION_SOURCE_LINK_LAYER ? { kind: 'source-link-layer', mac } : { kind: 'target-link-layer', mac });
    } else {
      out.push({ kind: 'other', type, body: new Uint8Array(b.subarray(o + 2, o + len)) });
    }
    o += len;
  }
  return accept(out);
}

/** The first source (or target) link-layer option; later duplicates are ignored, as Linux does. */
export function linkLayerOption(message: NdpMessage, kind: 'source-link-layer' | 'target-link-layer'): Mac | undefined {
  for (const opt of message.options) if (opt.kind === kind) return opt.mac;
  return undefined;
}

/** Bytes the message takes on the wire. */
export function ndpMessageLength(message: NdpMessage): number {
  let n = NDP_MIN_LENGTH;
  for (const opt of message.options) n += opt.kind === 'other' ? optionUnits(opt.body) * 8 : 8;
  return n;
}

/** An unknown option's body is padded with zeros to whole 8-byte units. */
const optionUnits = (body: Uint8Array): number => Math.max(1, Math.ceil((body.length + 2) / 8));

/**
 * Checksum is written as given: pass the pseudo-header sum from icmpv6Checksum, or 0 for a raw
 * ICMPv6 socket (the kernel always fills it in for IPPROTO_ICMPV6, RFC 3542 §3.1).
 */
export function marshalNdpMessage(message: NdpMessage, checksum = 0): Uint8Array {
  const out = new Uint8Array(ndpMessageLength(message));
  writeNdpMessage(out, 0, message, checksum);
  return out;
}

/** Writes ndpMessageLength(message) bytes at `start` of a zeroed buffer. */
export function writeNdpMessage(out: Uint8Array, start: number, message: NdpMessage, checksum: number): void {
  out[start] = message.type;
  out[start + 1] = message.code;
  out[start + 2] = checksum >> 8;
  out[start + 3] = checksum & 0xff;
  if (message.type === ICMPV6_NEIGHBOR_ADVERTISEMENT) {
    out[start + 4] = (message.router ? 0x80 : 0) | (message.solicited ? 0x40 : 0) | (message.override ? 0x20 : 0);
  }
  writeIp(out, start + 8, message.target);
  let o = start + NDP_MIN_LENGTH;
  for (const opt of message.options) {
    if (opt.kind === 'other') {
      const units = optionUnits(opt.body);
      out[o] = opt.type;
      out[o + 1] = units;
      out.set(opt.body, o + 2);
      o += units * 8;
    } else {
      out[o] = opt.kind === 'source-link-layer' ? OPTION_SOURCE_LINK_LAYER : OPTION_TARGET_LINK_LAYER;
      out[o + 1] = 1;
      out.set(opt.mac.subarray(0, MAC_LENGTH), o + 2);
      o += 8;
    }
  }
}
