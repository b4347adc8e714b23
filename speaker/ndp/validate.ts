// RFC 4861 §7.1.1 (solicitations) and §7.1.2 (advertisements): the validity checks a node MUST
// apply before acting on a message. The length and option-length checks are the parser's
// (message.ts); the checks here need the IPv6 header, so they take what the receiver knows.
import type { IpAddress } from '../../shared/ip/address.js';
import { linkLayerOption, type NdpMessage } from './message.js';
import { isIpv6Multicast, isSolicitedNodeAddress, isUnspecified } from './multicast.js';

/** The hop limit that proves the sender is on-link: routers decrement it (§7.1.1). */
export const NDP_HOP_LIMIT = 255;

export interface NdpReceiveContext {
  readonly hopLimit: number;
  readonly source: IpAddress;
  readonly destination: IpAddress;
}

export const NDP_VALIDATION_DROP_REASONS = [
  'bad-hop-limit',
  'bad-icmp-code',
  'target-multicast',
  'source-multicast',
  'unspecified-source-not-to-solicited-node',
  'unspecified-source-with-link-layer-option',
  'solicited-advertisement-to-multicast',
] as const;
export type NdpValidationDropReason = (typeof NDP_VALIDATION_DROP_REASONS)[number];

export function validateNdp(message: NdpMessage, ctx: NdpReceiveContext): NdpValidationDropReason | undefined {
  if (ctx.hopLimit !== NDP_HOP_LIMIT) return 'bad-hop-limit';
  if (message.code !== 0) return 'bad-icmp-code';
  if (isIpv6Multicast(message.target)) return 'target-multicast';
  // RFC 4291 §2.7: a multicast address is never a source; answering one would reflect to a group.
  if (isIpv6Multicast(ctx.source)) return 'source-multicast';
  if (message.type === 135 && isUnspecified(ctx.source)) {
    // Duplicate address detection: only to the solicited-node group, and with no address to
    // cache there must be no source link-layer option.
    if (!isSolicitedNodeAddress(ctx.destination)) return 'unspecified-source-not-to-solicited-node';
    if (linkLayerOption(message, 'source-link-layer') !== undefined) return 'unspecified-source-with-link-layer-option';
  }
  if (message.type === 136 && isIpv6Multicast(ctx.destination) && message.solicited) return 'solicited-advertisement-to-multicast';
  return undefined;
}
