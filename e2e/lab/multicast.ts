// The bridge's multicast querier, for tests of the IPv6 path: with a querier the bridge stops
// flooding multicast and forwards a Neighbor Solicitation only to ports that reported its
// solicited-node group (MLD), as many real switches do. A speaker that forgot to join the
// group of a VIP then never hears the solicitations; without a querier the bug hides.
import { parseIp } from '../../shared/ip/address.js';
import { BRIDGE_IF } from './names.js';
import { run, runChecked } from './run.js';

const QUERY_RESPONSE_MS = 1000;

/** ff02::1:ffXX:XXXX, the group a Neighbor Solicitation for ip is sent to (RFC 4291 2.7.1). */
export function solicitedNodeGroup(ipv6: string): string {
  const parsed = parseIp(ipv6);
  if (!parsed.ok || parsed.value.family !== 6) throw new RangeError(`${ipv6} is not an IPv6 address`);
  const low = Number(parsed.value.value & 0xffffffn) | 0xff000000;
  return `ff02::1:${(low >>> 16).toString(16)}:${(low & 0xffff).toString(16)}`;
}

/** Groups the bridge has learned (bridge mdb), with the ports that reported each. */
export async function learnedGroups(bridgeNs: string): Promise<Map<string, Set<string>>> {
  const r = await run(['bridge', '-n', bridgeNs, '-j', 'mdb', 'show']);
  const out = new Map<string, Set<string>>();
  if (r.code !== 0 || r.stdout.trim() === '') return out;
  const parsed: unknown = JSON.parse(r.stdout);
  // Shape: [{ mdb: [{ port, grp, ... }], router: {...} }]
  for (const block of Array.isArray(parsed) ? parsed : []) {
    const entries: unknown = (block as { mdb?: unknown }).mdb;
    for (const e of Array.isArray(entries) ? entries : []) {
      const { grp, port } = e as { grp?: unknown; port?: unknown };
      if (typeof grp !== 'string' || typeof port !== 'string') continue;
      out.set(grp, (out.get(grp) ?? new Set()).add(port));
    }
  }
  return out;
}

/**
 * Turns the bridge's querier on (1 s query response interval, so hosts report within a second
 * rather than ten) and waits until every given group is learned; or off (flooding resumes).
 */
export async function setMulticastQuerier(bridgeNs: string, on: boolean, waitForGroups: readonly string[] = [], timeoutMs = 10_000): Promise<void> {
  const bridge = (opts: string[]): Promise<unknown> => runChecked(['ip', '-n', bridgeNs, 'link', 'set', BRIDGE_IF, 'type', 'bridge', ...opts]);
  if (!on) {
    await bridge(['mcast_querier', '0']);
    return;
  }
  // Two steps: the kernel may apply mcast_querier before the intervals of the same request, and
  // then holds back its querier for the old (10 s) response interval.
  const centis = String(QUERY_RESPONSE_MS / 10);
  await bridge(['mcast_snooping', '1', 'mcast_query_response_interval', centis, 'mcast_startup_query_interval', centis]);
  await bridge(['mcast_querier', '1']);
  // The bridge counts its own querier as present only once a query response interval has
  // passed since it started (until then it keeps flooding): wait that out too.
  const effective = Date.now() + QUERY_RESPONSE_MS + 200;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const learned = await learnedGroups(bridgeNs);
    const missing = waitForGroups.filter((g) => !learned.has(g));
    if (missing.length === 0) {
      await new Promise((r) => setTimeout(r, Math.max(0, effective - Date.now())));
      return;
    }
    if (Date.now() > deadline) throw new Error(`the bridge did not learn ${missing.join(', ')} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
