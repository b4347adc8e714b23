// Which MACs a node's flow-spreading table forwards a VIP's flows to, read back from the kernel
// (`nft list table netdev l2lb_spread`), so a test can time when a new owner's rules are in and
// see which nodes they name. Pure: the listing in, the MACs out.
//
// The listing is read by the chain names the speaker gives (speaker/spread/render.ts): the hook
// for a VIP jumps to `<prefix>_v4`/`_v6`, and that Service's per-node chains are `<prefix>_n<i>`,
// each either accepting (this node, or a node whose MAC is unknown) or setting `ether daddr` to
// the node's MAC.

/**
 * The MACs (sorted, lower-case) the table forwards `vip`'s flows to; undefined when the table has
 * no rule for `vip` (no table, spreading off, or another Service's table only).
 */
export function spreadTargets(listing: string, vip: string): string[] | undefined {
  const prefixes = new Set<string>();
  for (const line of listing.split('\n')) {
    if (!/daddr/.test(line) || !addressIn(line, vip)) continue;
    const jump = /jump (\w+)_v[46]\b/.exec(line);
    if (jump) prefixes.add(jump[1]!);
  }
  if (prefixes.size === 0) return undefined;
  const macs = new Set<string>();
  for (const block of listing.split(/\n\s*chain /).slice(1)) {
    const name = /^(\w+)/.exec(block)?.[1] ?? '';
    const node = /^(\w+)_n\d+$/.exec(name);
    if (!node || !prefixes.has(node[1]!)) continue;
    const mac = /ether daddr set ([0-9a-fA-F:]{17})/.exec(block.slice(0, block.indexOf('}')));
    if (mac) macs.add(mac[1]!.toLowerCase());
  }
  return [...macs].sort();
}

/** `ip` as a whole address in `line` (192.0.2.20 must not match 192.0.2.201). */
function addressIn(line: string, ip: string): boolean {
  const escaped = ip.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s{,])${escaped}($|[\\s},])`).test(line);
}
