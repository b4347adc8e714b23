// Which RBAC permission a call needs, in the words of a Role: verb, resource (with its API group)
// and scope. For log lines that say what to grant instead of only "forbidden".
export interface ResourceOfPath {
  /** '' for the core group. */
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
}

/** The resource an API collection or object path names, or undefined for other paths (/version). */
export function resourceOfPath(path: string): ResourceOfPath | undefined {
  const parts = path.split('?')[0]!.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) return { group, resource: rest[2]!, namespace: rest[1]! };
  return rest[0] === undefined ? undefined : { group, resource: rest[0] };
}

/** e.g. "list ipaddresspools.metallb.io in namespace metallb-system", "watch nodes cluster-wide". */
export function describePermission(verb: string, path: string): string {
  const r = resourceOfPath(path);
  if (r === undefined) return `${verb} ${path}`;
  const name = r.group === '' ? r.resource : `${r.resource}.${r.group}`;
  return `${verb} ${name} ${r.namespace === undefined ? 'cluster-wide' : `in namespace ${r.namespace}`}`;
}
