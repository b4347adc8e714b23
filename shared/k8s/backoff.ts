// Exponential backoff with full jitter, capped; pure so it can be tested without timers.
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 30_000 };

/** Delay before retry number `attempt` (0-based); `random` in [0,1) spreads retries of many clients. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(policy.initialMs / 2, Math.floor(ceiling * random));
}
