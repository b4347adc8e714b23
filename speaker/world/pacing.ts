// How soon to redo a pass over every VIP after a change of cluster objects. An election (or a
// ServiceL2Status plan) is such a pass (~0.25 s at 5,000 VIPs on a busy node); while thousands of
// Services are being created, or thousands of statuses written, one pass per change kept each
// speaker's CPU busy (O(n^2) over the burst) and its event loop full. So passes caused by object
// changes keep to a duty cycle: after one that took d ms, the next waits until IDLE_FACTOR * d ms
// have passed. Membership changes (a peer died) never wait: that is the failover path. At small
// scale d is a millisecond: no visible delay.
export const IDLE_FACTOR = 3;

/** Milliseconds to wait before a pass for an object change; 0: at once. */
export function pacedDelay(lastPassMs: number, sinceLastPassEndMs: number): number {
  if (!(lastPassMs > 0)) return 0;
  return Math.max(0, Math.ceil(IDLE_FACTOR * lastPassMs - sinceLastPassEndMs));
}
