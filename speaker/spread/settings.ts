// Whether a Service's flows are spread over its nodes: an opt-in annotation on the Service, with a
// default per address pool (the same annotation on the IPAddressPool: MetalLB's schema is not
// touched). The Service's value wins; neither set means off. Pure.

/** On a Service: "true" or "false". On an IPAddressPool: the default for the Services it serves. */
export const SPREAD_ANNOTATION = 'l2lb.io/spread-flows';

export type SpreadSource = 'service' | 'pool' | 'default';

export interface SpreadSetting {
  readonly enabled: boolean;
  /** Where the answer came from, for logs and the status. */
  readonly source: SpreadSource;
  /** Set when an annotation held something other than "true" or "false" (it then counts as off). */
  readonly error?: string;
}

type Parsed = { readonly ok: true; readonly value: boolean | undefined } | { readonly ok: false; readonly error: string };

function parseFlag(raw: string | undefined, where: string): Parsed {
  if (raw === undefined) return { ok: true, value: undefined };
  const v = raw.trim().toLowerCase();
  if (v === 'true') return { ok: true, value: true };
  if (v === 'false') return { ok: true, value: false };
  return { ok: false, error: `${where} annotation ${SPREAD_ANNOTATION}=${JSON.stringify(raw)} is neither "true" nor "false": flows are not spread` };
}

export function spreadSetting(serviceAnnotations: Readonly<Record<string, string>> | undefined, poolAnnotations: Readonly<Record<string, string>> | undefined, poolName: string | null): SpreadSetting {
  const svc = parseFlag(serviceAnnotations?.[SPREAD_ANNOTATION], 'the Service');
  // A bad value on the Service is not overridden by the pool: the operator meant to set something.
  if (!svc.ok) return { enabled: false, source: 'service', error: svc.error };
  if (svc.value !== undefined) return { enabled: svc.value, source: 'service' };
  const pool = parseFlag(poolAnnotations?.[SPREAD_ANNOTATION], `the IPAddressPool ${poolName ?? ''}`);
  if (!pool.ok) return { enabled: false, source: 'pool', error: pool.error };
  if (pool.value !== undefined) return { enabled: pool.value, source: 'pool' };
  return { enabled: false, source: 'default' };
}
