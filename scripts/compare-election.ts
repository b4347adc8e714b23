// Prints, for a node set and some VIPs, the node MetalLB's speaker elects and the node l2lb's
// elects, and how many VIPs move once when one replaces the other in place:
//   node dist/scripts/compare-election.js node1,node2,node3 192.0.2.200 192.0.2.201 ...
// With no VIPs given it uses 192.0.2.200 - 192.0.2.215.
import { compareOwners } from './metallb-ranking.js';

const [nodeList = 'node1,node2,node3', ...given] = process.argv.slice(2);
const nodes = nodeList.split(',').filter((n) => n !== '');
const ips = given.length > 0 ? given : Array.from({ length: 16 }, (_, i) => `192.0.2.${200 + i}`);
const rows = compareOwners(ips, nodes);
for (const r of rows) console.log(`${r.ip.padEnd(16)} metallb ${r.metallb.padEnd(12)} l2lb ${r.l2lb.padEnd(12)} ${r.moves ? 'moves once' : 'stays'}`);
const moved = rows.filter((r) => r.moves).length;
console.log(`${moved} of ${rows.length} VIPs move once on the switch (${nodes.length} nodes; expected about ${Math.round((1 - 1 / nodes.length) * 100)} %)`);
