// Errors of API calls, and the two questions callers ask of any error: which HTTP status (409 means
// "decided on stale data", 404 "gone") and what to log. Pure: no I/O, so it is cheap to import.

/** A response outside 2xx, with the server's metav1.Status when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status, or the `code` of a watch ERROR event's Status. */
    readonly status: number,
    /** metav1.Status reason, e.g. "Conflict", "NotFound"; '' when the body was not a Status. */
    readonly reason: string,
    /** The server's own words (Status message), or the raw body when it was not JSON. */
    readonly statusMessage: string,
    readonly method: string,
    readonly path: string,
    /** The Retry-After header of a 429 or 503, in seconds; undefined when absent or not a number of seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${method} ${path}: HTTP ${status}${reason ? ` ${reason}` : ''}: ${statusMessage}`);
  }
}

/**
 * Retry-After as seconds. The API server (priority and fairness, max-requests-inflight) sends
 * whole seconds; an HTTP date (allowed by RFC 9110) is not worth a clock comparison here.
 */
export function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\s*\d{1,6}\s*$/.test(value)) return undefined;
  return Number(value);
}

/**
 * The connection failed, timed out or broke mid-response: no HTTP status to act on. Wrapped so
 * logs say which call failed; `cause` keeps Node's error (code ECONNRESET etc.).
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  /**
   * false only when the request was refused before it was handed to the socket; otherwise the
   * server may have applied it (a write that timed out or was cut off is in doubt).
   */
  readonly sent: boolean;
  constructor(
    readonly method: string,
    readonly path: string,
    cause: unknown,
    opts: { sent?: boolean } = {},
  ) {
    super(`${method} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.sent = opts.sent ?? true;
  }
}

/** Whether a failed write may still have been applied: no answer, or a server-side failure (5xx). */
export function writeInDoubt(err: unknown): boolean {
  if (err instanceof TransportError) return err.sent;
  return err instanceof ApiError && err.status >= 500;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Builds the ApiError for a non-2xx response; tolerant of a body that is not a Status (or not JSON). */
export function apiErrorFrom(status: number, body: string, method: string, path: string, retryAfterSeconds?: number): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // a proxy's HTML error page, an empty body: keep the text
  }
  return apiErrorFromStatus(status, parsed, body.trim().slice(0, 1000), method, path, retryAfterSeconds);
}

/** Same for a metav1.Status object (a watch ERROR event carries one); `fallback` when it has no message. */
export function apiErrorFromStatus(status: number, obj: unknown, fallback: string, method: string, path: string, retryAfterSeconds?: number): ApiError {
  const reason = isRecord(obj) && typeof obj['reason'] === 'string' ? obj['reason'] : '';
  const message = isRecord(obj) && typeof obj['message'] === 'string' ? obj['message'] : fallback;
  return new ApiError(status, reason, message, method, path, retryAfterSeconds);
}

/** The HTTP status of a failed API call, or undefined for a transport error. */
export function apiStatus(err: unknown): number | undefined {
  if (err instanceof ApiError) return err.status;
  if (typeof err === 'object' && err !== null) {
    // Other clients' errors (tests still use client-node, whose ApiException has a numeric code).
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

/** A short, loggable description of an API error: status and the server's message. */
export function describeApiError(err: unknown): string {
  if (err instanceof ApiError) return `HTTP ${err.status}: ${err.statusMessage}`;
  if (!(err instanceof Error)) return String(err);
  // Some errors carry no message (an AggregateError of refused connections): their code or name.
  return err.message || (err as NodeJS.ErrnoException).code || err.name;
}
