// What a responder does with one received frame: send exactly one reply, or drop it for a
// named reason. Counting and sending belong to the socket shell; deciding belongs here.
import type { IpAddress } from '../../shared/ip/address.js';

export type Decision<R extends string> =
  | { readonly kind: 'reply'; readonly frame: Uint8Array; readonly ip: IpAddress }
  /** `ip` is set when the request was about an address we own (MetalLB counts those as received). */
  | { readonly kind: 'drop'; readonly reason: R; readonly ip?: IpAddress };

export const RESPONDER_DROP_REASONS = ['not-a-request', 'eth-dst-not-us', 'not-owned', 'wrong-interface'] as const;
export type ResponderDropReason = (typeof RESPONDER_DROP_REASONS)[number];

/** The interface a frame arrived on: replies always leave from it, with its MAC. */
export interface ReceivingInterface {
  readonly name: string;
  readonly mac: Uint8Array;
}
