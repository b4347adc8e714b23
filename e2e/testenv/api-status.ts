// The metav1.Status an API call failed with, for tests that assert on the server's own words.
import { ApiException } from '@kubernetes/client-node';

export interface ApiStatus {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

/** Undefined if `e` is not an API error; tolerant of a body that is not JSON. */
export function apiStatus(e: unknown): ApiStatus | undefined {
  if (!(e instanceof ApiException)) return undefined;
  const raw: unknown = e.body;
  let body: { reason?: unknown; message?: unknown } = {};
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      body = { message: raw };
    }
  } else if (typeof raw === 'object' && raw !== null) {
    body = raw as typeof body;
  }
  return {
    code: e.code,
    reason: typeof body.reason === 'string' ? body.reason : '',
    message: typeof body.message === 'string' ? body.message : String(raw),
  };
}

/** Runs `fn`, expecting it to fail with an API error; returns that error's status. */
export async function expectApiError(fn: () => Promise<unknown>): Promise<ApiStatus> {
  let result: unknown;
  try {
    result = await fn();
  } catch (e) {
    const s = apiStatus(e);
    if (s) return s;
    throw e;
  }
  throw new Error(`expected an API error, got ${JSON.stringify(result)?.slice(0, 300)}`);
}
