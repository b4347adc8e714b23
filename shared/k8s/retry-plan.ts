// What an informer does after a failed watch, as client-go's reflector does it, so an API-server
// blip does not turn into every client relisting at once. Pure: the informer's loop acts on it.
//
// - The connection failed (refused, reset, timed out, broke mid-stream), the server is overloaded
//   (429) or briefly unavailable (5xx): watch again from the last resourceVersion. Nothing was
//   missed, since a watch replays everything after its resourceVersion; only 410 Gone says it
//   cannot, and that is a watch end of its own ('expired'), not an error.
// - Any other answer (401, 403, 404, 400, a malformed event): list again, from the watch cache.
// - Wait at least the server's Retry-After (priority and fairness sends one with its 429s).
import { ApiError } from './api-error.js';

export interface RetryPlan {
  /** List before watching again (otherwise resume the watch from the last resourceVersion). */
  readonly relist: boolean;
  /** The server asked for at least this pause (Retry-After); 0 when it did not. */
  readonly minDelayMs: number;
}

const TOO_MANY_REQUESTS = 429;

export function retryPlan(err: unknown): RetryPlan {
  const minDelayMs = err instanceof ApiError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0;
  if (!(err instanceof ApiError)) return { relist: false, minDelayMs }; // transport: nothing was answered
  const resume = err.status === TOO_MANY_REQUESTS || err.status >= 500;
  return { relist: !resume, minDelayMs };
}

/**
 * Where a relist reads from. The first list takes any version the watch cache has
 * (resourceVersion=0); later ones ask for one not older than what the informer already saw, which
 * the cache also serves. A list the cache cannot serve at that version (410 Gone: a continue token
 * expired; 504: the cache lags behind the version asked for) falls back to a quorum read.
 */
export type ListFrom = { readonly resourceVersion: '0' } | { readonly resourceVersion: string; readonly resourceVersionMatch: 'NotOlderThan' } | { readonly resourceVersion: '' };

export function listFrom(lastSeen: string | undefined, previousListError: unknown): ListFrom {
  if (lastSeen === undefined) return { resourceVersion: '0' };
  if (previousListError instanceof ApiError && (previousListError.status === 410 || previousListError.status === 504)) return { resourceVersion: '' };
  return { resourceVersion: lastSeen, resourceVersionMatch: 'NotOlderThan' };
}
