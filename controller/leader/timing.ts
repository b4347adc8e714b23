// Leader election timing as client-go validates it: the leader must give up (renew deadline)
// before a standby may take over (lease duration), and must get more than one try at renewing
// within the deadline (retry period, with client-go's 1.2 jitter factor), or two replicas could
// write at once or leadership would flap on one slow request.
import type { defaultElectorTiming } from './elector.js';

export type ElectorTiming = typeof defaultElectorTiming;

const JITTER_FACTOR = 1.2;

/** Problems with the timing, in words for an operator; empty when it is safe. */
export function electorTimingProblems(t: ElectorTiming): string[] {
  const problems: string[] = [];
  if (t.leaseDurationMs <= t.renewDeadlineMs) {
    problems.push(`--lease-duration (${t.leaseDurationMs} ms) must be greater than --renew-deadline (${t.renewDeadlineMs} ms)`);
  }
  if (t.renewDeadlineMs <= JITTER_FACTOR * t.retryPeriodMs) {
    problems.push(`--renew-deadline (${t.renewDeadlineMs} ms) must be greater than ${JITTER_FACTOR} x --retry-period (${t.retryPeriodMs} ms)`);
  }
  if (t.leaseDurationMs % 1000 !== 0) {
    // The Lease stores whole seconds; a standby reads that, so the leader must use the same value.
    problems.push(`--lease-duration (${t.leaseDurationMs} ms) must be whole seconds: the Lease stores seconds`);
  }
  return problems;
}
