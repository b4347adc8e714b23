// The lab harness's own API writes, again after the connection broke under them. On a machine
// whose cores 50 speakers keep busy, the lab's API server dropped kept-alive connections ("socket
// hang up", a TLS handshake cut off) and single writes failed whole test runs. The product's own
// client has its rules for this (shared/k8s); the harness uses @kubernetes/client-node.

/** The connection broke under the request: it may or may not have been applied. */
function transportFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  const text = err instanceof Error ? err.message : '';
  return code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|socket disconnected/.test(text);
}

export const httpCode = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
};

/** Runs `write` again after a broken connection (three tries); `afterDoubt` decides a reply to a retry. */
export async function retried<T>(write: () => Promise<T>, afterDoubt: (err: unknown) => Promise<T> | undefined = () => undefined): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt > 1) {
        const settled = afterDoubt(err);
        if (settled) return settled;
      }
      if (attempt >= 3 || !transportFailure(err)) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** A create whose retry finds the object (409): the first attempt was applied. */
export function createRetried<T>(create: () => Promise<T>, read: () => Promise<T>): Promise<T> {
  return retried(create, (err) => (httpCode(err) === 409 ? read() : undefined));
}
