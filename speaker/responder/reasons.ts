// Every reason a received frame can go unanswered, in one list: the values of
// l2lb_packets_dropped_total{reason}. README.md documents each (checked by reasons.test.ts).
import { ARP_DROP_REASONS } from '../arp/packet.js';
import { NDP_FRAME_DROP_REASONS } from '../ndp/frame.js';
import { IPV6_DROP_REASONS } from '../ndp/ipv6.js';
import { NDP_MESSAGE_DROP_REASONS } from '../ndp/message.js';
import { NDP_VALIDATION_DROP_REASONS } from '../ndp/validate.js';
import { ARP_DECISION_DROP_REASONS } from './arp.js';
import { RESPONDER_DROP_REASONS } from './decision.js';
import { NDP_DECISION_DROP_REASONS } from './ndp.js';

/** Not a decision: the reply was built but the socket refused it. */
export const SEND_FAILED = 'send-failed';

export const ALL_DROP_REASONS: readonly string[] = [
  ...new Set([
    ...ARP_DROP_REASONS,
    ...NDP_FRAME_DROP_REASONS,
    ...IPV6_DROP_REASONS,
    ...NDP_MESSAGE_DROP_REASONS,
    ...NDP_VALIDATION_DROP_REASONS,
    ...RESPONDER_DROP_REASONS,
    ...ARP_DECISION_DROP_REASONS,
    ...NDP_DECISION_DROP_REASONS,
    SEND_FAILED,
  ]),
];
