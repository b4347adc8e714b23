// When to re-plan ServiceL2Status writes after some failed. A 409 means our cache was behind: the
// watch brings the new version within milliseconds, so re-plan soon. Anything else (API server
// overloaded or restarting, a timeout, RBAC) is retried with exponential backoff, so a status is
// never left stale just because nothing else changed afterwards, and a write that keeps failing
// costs one attempt (and one log line) per minute, not a flood.
export const CONFLICT_RETRY_MS = 200;
export const FAILURE_RETRY_MIN_MS = 1_000;
export const FAILURE_RETRY_MAX_MS = 60_000;

/** Delay before the next attempt; `failures` counts consecutive passes with a non-conflict failure (>= 1). */
export function statusRetryDelay(kind: 'conflict' | 'failure', failures: number): number {
  if (kind === 'conflict') return CONFLICT_RETRY_MS;
  return Math.min(FAILURE_RETRY_MAX_MS, FAILURE_RETRY_MIN_MS * 2 ** Math.max(0, failures - 1));
}
