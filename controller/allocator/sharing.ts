// Who uses an address and on which ports: the rule for putting a second Service on an IP
// (MetalLB's checkSharing/sharingOK). Services may share only with the same
// non-empty sharing key, the same backend key (externalTrafficPolicy Cluster with Cluster; Local
// only with the same selector), and no (protocol, port) in common.
export interface SharingKeys {
  readonly sharingKey: string;
  readonly backendKey: string;
}

export interface IpUse extends SharingKeys {
  /** Service keys on this address. */
  readonly users: Set<string>;
  /** "TCP/80" -> the Service using it. */
  readonly ports: Map<string, string>;
}

const q = JSON.stringify;

/**
 * The user name under which an address stays reserved for a Service whose status write is in
 * doubt (it may have been applied): the Service itself is compatible with it, nobody else is.
 */
export const reservedFor = (svc: string): string => `${svc}\u0000in-doubt`;
const isSelf = (user: string, svc: string): boolean => user === svc || user === reservedFor(svc);
const display = (user: string): string => (user.endsWith('\u0000in-doubt') ? `${user.slice(0, -'\u0000in-doubt'.length)} (status write in doubt)` : user);

/** undefined when the new use may join the existing one; else MetalLB's reason. */
export function sharingConflict(existing: SharingKeys, wanted: SharingKeys): string | undefined {
  if (existing.sharingKey === '') return 'existing service does not allow sharing';
  if (wanted.sharingKey === '') return 'new service does not allow sharing';
  if (existing.sharingKey !== wanted.sharingKey) {
    return `sharing key ${q(wanted.sharingKey)} does not match existing sharing key ${q(existing.sharingKey)}`;
  }
  if (existing.backendKey !== wanted.backendKey) {
    return `backend key ${q(wanted.backendKey)} does not match existing backend key ${q(existing.backendKey)} (services sharing an IP must all use externalTrafficPolicy Cluster, or Local with the same selector)`;
  }
  return undefined;
}

/** Whether svc may use an address (text ipText) given its current use; undefined means yes. */
export function checkSharing(use: IpUse | undefined, svc: string, ipText: string, ports: readonly string[], wanted: SharingKeys): string | undefined {
  if (use === undefined) return undefined;
  const conflict = sharingConflict(use, wanted);
  if (conflict !== undefined) {
    // A Service alone on its address may change its own keys in place.
    const others = [...use.users].filter((u) => !isSelf(u, svc)).sort();
    if (others.length > 0) return `can't change sharing key for ${q(svc)}, address also in use by ${others.map(display).join(',')}: ${conflict}`;
  }
  for (const port of ports) {
    const cur = use.ports.get(port);
    if (cur !== undefined && !isSelf(cur, svc)) return `port ${port} is already in use on ${q(ipText)}`;
  }
  return undefined;
}
