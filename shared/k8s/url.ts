// Building request URLs: pure string work, kept apart from the transport so it can be tested.

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** https URL of an API server, with IPv6 literals bracketed (KUBERNETES_SERVICE_HOST may be one). */
export function serverUrl(host: string, port: string | number, scheme: 'https' | 'http' = 'https'): string {
  const bare = host.startsWith('[') ? host : host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${bare}:${port}`;
}

/** Query string (with leading '?') of the defined parameters, in the given order; '' when none. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.append(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * The full URL of an API path on `server`. A server URL may carry a path prefix (a proxy such as
 * Rancher's /k8s/clusters/<id>): the API path is appended to it, not resolved against it.
 */
export function requestUrl(server: string, path: string, query?: Query): URL {
  const base = new URL(server);
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(base.origin);
  url.pathname = `${prefix}${path.startsWith('/') ? path : `/${path}`}`;
  url.search = queryString(query);
  return url;
}

export interface ResourceRef {
  /** '' or undefined for the core group (/api/v1). */
  readonly group?: string;
  readonly version: string;
  readonly plural: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/** e.g. /apis/coordination.k8s.io/v1/namespaces/x/leases/name; names are percent-encoded. */
export function resourcePath(r: ResourceRef): string {
  const seg = encodeURIComponent;
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespace !== undefined) p += `/namespaces/${seg(r.namespace)}`;
  p += `/${r.plural}`;
  if (r.name !== undefined) p += `/${seg(r.name)}`;
  if (r.subresource !== undefined) p += `/${r.subresource}`;
  return p;
}
