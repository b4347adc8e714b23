// Services that share an IP must elect together (one ARP answerer per IP), and every IP of a
// dual-stack Service moves with the Service. So Services are grouped by the transitive closure
// of "shares an IP", and each group hashes one key IP: the lowest of its members' first IPs
// (IPv4 before IPv6). For a lone Service, or Services sharing the same IP list, that is simply
// the Service's first IP, as MetalLB does; the minimum only decides the rare mixed case (an
// IPv6-first Service sharing its IPv4 with an IPv4-only one) identically on every speaker.
import { compareIp, formatIp, parseIp, type IpAddress } from '../../shared/ip/address.js';
import { memoize } from './memo.js';
import type { ServiceInfo } from './types.js';

/**
 * IP text to its canonical text, or null when it does not parse. Kept for every VIP between
 * elections, so it holds one string each: the same string when the IP is already canonical (what
 * Kubernetes writes), not a parsed value (only groups of several Services compare values).
 */
const canonical = memoize((text): string | null => {
  const r = parseIp(text);
  if (!r.ok) return null;
  const formatted = formatIp(r.value);
  return formatted === text ? text : formatted;
});

const valueOf = (canonicalText: string): IpAddress => {
  const r = parseIp(canonicalText);
  if (!r.ok) throw new Error(`canonical IP ${canonicalText} does not parse`);
  return r.value;
};

export interface ServiceGroup {
  readonly keyIp: string;
  readonly services: readonly ServiceInfo[];
}

export interface Grouping {
  readonly groups: readonly ServiceGroup[];
  /** Services left out: no IP, or an IP that does not parse. */
  readonly noIps: readonly ServiceInfo[];
  readonly badIp: readonly ServiceInfo[];
}

export function groupByIp(services: readonly ServiceInfo[]): Grouping {
  const noIps: ServiceInfo[] = [];
  const badIp: ServiceInfo[] = [];
  const parsed: { svc: ServiceInfo; ips: string[] }[] = [];
  for (const svc of services) {
    if (svc.ips.length === 0) {
      noIps.push(svc);
      continue;
    }
    const ips = svc.ips.map(canonical).filter((c) => c !== null);
    if (ips.length !== svc.ips.length) badIp.push(svc);
    else parsed.push({ svc, ips });
  }

  // Union-find over service indexes, joined through the canonical text of each IP.
  const parent = parsed.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      const p = parent[i] as number;
      parent[i] = parent[p] as number;
      i = p;
    }
    return i;
  };
  const firstHolder = new Map<string, number>();
  parsed.forEach(({ ips }, i) => {
    for (const key of ips) {
      const j = firstHolder.get(key);
      if (j === undefined) firstHolder.set(key, i);
      else parent[find(i)] = find(j);
    }
  });

  const byRoot = new Map<number, { services: ServiceInfo[]; key: string; value?: IpAddress }>();
  parsed.forEach(({ svc, ips }, i) => {
    const root = find(i);
    const first = ips[0] as string;
    const g = byRoot.get(root);
    if (!g) byRoot.set(root, { services: [svc], key: first });
    else {
      g.services.push(svc);
      g.value ??= valueOf(g.key);
      const value = valueOf(first);
      if (compareIp(value, g.value) < 0) {
        g.key = first;
        g.value = value;
      }
    }
  });
  const groups = [...byRoot.values()].map((g) => ({ keyIp: g.key, services: g.services }));
  return { groups, noIps, badIp };
}
