// Speaker membership: who is alive, from authenticated UDP heartbeats. The rules (and why views
// agree across speakers) are at the top of membership.ts; udp.ts is the socket shell.
export { HeartbeatService, type HeartbeatServiceOptions } from './udp.js';
export { HeartbeatProtocol, newBootId, type RejectReason } from './protocol.js';
export { Membership, type ExpectedPeer, type MembershipChange, type PeerAddress } from './membership.js';
export { decodeHeartbeat, encodeHeartbeat, type Heartbeat, type ViewEntry } from './codec.js';
export { HeartbeatThread, DEFAULT_MAIN_STALL_LIMIT_MS, type HeartbeatThreadOptions } from './thread.js';
export { membershipMetrics, type MembershipMetricsSink } from './metrics.js';
export { MembershipLifecycle, type Heartbeats, type StartHeartbeats } from './lifecycle.js';
