// When to re-plan ServiceL2Status writes after some failed. A 409 means our cache was behind: the
// watch brings the new version within milliseconds, so re-plan soon. Anything else (API server
// overloaded or restarting, a timeout, RBAC) is retried with the shared exponential backoff
// (jittered: every speaker of a large cluster fails at once when the API server does), so a status
// is never left stale just because nothing else changed afterwards, and a write that keeps failing
// costs about one attempt (and one log line) a minute, not a flood.
import { backoffDelay, type BackoffPolicy } from '../../shared/k8s/backoff.js';

export const CONFLICT_RETRY_MS = 200;
export const STATUS_FAILURE_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000 };

/**
 * Delay before the next attempt; `failures` counts consecutive passes with a non-conflict failure
 * (>= 1); `random` in [0,1) is the jitter.
 */
export function statusRetryDelay(kind: 'conflict' | 'failure', failures: number, random: number = Math.random()): number {
  if (kind === 'conflict') return CONFLICT_RETRY_MS;
  return backoffDelay(STATUS_FAILURE_BACKOFF, Math.max(0, failures - 1), random);
}
