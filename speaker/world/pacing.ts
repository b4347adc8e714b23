// How soon to re-elect after a change of cluster objects. An election is a pass over every VIP
// (~0.25 s at 5,000 on a busy node); while thousands of Services are being created, one per
// created Service kept each speaker's CPU busy (O(n^2) over the burst) and its event loop full.
// So elections caused by object changes keep to a duty cycle: after an election that took d ms,
// the next such one waits until IDLE_FACTOR * d ms have passed. Membership changes (a peer died)
// never wait: that is the failover path. At small scale d is a millisecond: no visible delay.
export const IDLE_FACTOR = 3;

/** Milliseconds to wait before an election for an object change; 0: at once. */
export function electionDelay(lastElectionMs: number, sinceLastElectionEndMs: number): number {
  if (!(lastElectionMs > 0)) return 0;
  return Math.max(0, Math.ceil(IDLE_FACTOR * lastElectionMs - sinceLastElectionEndMs));
}
