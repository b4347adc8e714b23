// metav1.MicroTime, as the API server requires it in Lease spec.acquireTime/renewTime: RFC 3339
// with exactly six fractional digits ("2026-01-02T03:04:05.678000Z"); a plain Date.toISOString()
// (three digits) is rejected by validation.

/** `t` (a Date, epoch milliseconds, or a time string the server wrote) as a MicroTime string. */
export function microTime(t: Date | number | string): string {
  // Already in the wire format (read back from the server): keep its microseconds as they are.
  if (typeof t === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(t)) return t;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${String(t)}`);
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
