// Names and addresses of one lab. Pure, so the naming rules (kernel limit of 15 characters per
// interface name, run ids that keep concurrent labs apart) live in one place and are unit-tested.
//
// Two shapes:
//   - a test lab carries its run id in every name: namespaces `l2lb-<runid>-n1`, `-c`, `-br`,
//     so parallel runs and leftovers of crashed runs never collide;
//   - the people's lab (`make lab-up`) uses the fixed names `l2lb-node1..N`, `l2lb-client`,
//     `l2lb-br`; its run id is `fixed`.
// Interfaces are created inside the namespaces (bridge ports n1.., c), never in the root
// namespace, so their names cannot collide across labs.
// Addresses: nodes 192.0.2.<i> / 2001:db8::<i> (i = 1..50), client .100 / ::100, the host
// address .254 / ::fe (on the bridge). Free for VIPs in tests: 192.0.2.200-192.0.2.250 and
// 2001:db8::200-2001:db8::2ff.

export const FIXED_RUN_ID = 'fixed';
export const MAX_NODES = 50;
export const BRIDGE_IF = 'br0';
export const LAB_IF = 'eth0';
export const IPV4_PREFIX = 24;
export const IPV6_PREFIX = 64;
export const HOST_IPV4 = '192.0.2.254';
export const HOST_IPV6 = '2001:db8::fe';
const RUN_ID = /^[a-z0-9]{4,8}$/;
const IFNAMSIZ_MAX = 15;

export interface EndpointPlan {
  readonly name: string; // logical name: node1.., client
  readonly ns: string;
  readonly bridgePort: string; // the veth end inside the bridge namespace
  readonly mac: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface LabPlan {
  readonly runId: string;
  readonly bridgeNs: string;
  readonly nodes: readonly EndpointPlan[];
  readonly client: EndpointPlan;
  /** MAC of the bridge device, which carries the host address when the lab has one. */
  readonly bridgeMac: string;
}

export function isValidRunId(runId: string): boolean {
  return runId === FIXED_RUN_ID || RUN_ID.test(runId);
}

/** Six base-36 characters: short enough for interface names, random enough for parallel runs. */
export function newRunId(random: () => number = Math.random): string {
  let id = '';
  for (let i = 0; i < 6; i++) id += Math.floor(random() * 36).toString(36);
  return id;
}

function mac(last: number): string {
  // 02: locally administered unicast; 1b: "l2lb"-ish marker, easy to spot in tcpdump.
  return `02:1b:00:00:00:${last.toString(16).padStart(2, '0')}`;
}

export function planLab(runId: string, nodes: number): LabPlan {
  if (!isValidRunId(runId)) throw new RangeError(`run id ${JSON.stringify(runId)} must be 4-8 of [a-z0-9] or "fixed"`);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw new RangeError(`nodes must be 1..${MAX_NODES}, not ${nodes}`);
  const fixed = runId === FIXED_RUN_ID;
  const ns = (suffix: string, fixedName: string): string => (fixed ? fixedName : `l2lb-${runId}-${suffix}`);
  const nodePlans: EndpointPlan[] = [];
  for (let i = 1; i <= nodes; i++) {
    nodePlans.push({
      name: `node${i}`,
      ns: ns(`n${i}`, `l2lb-node${i}`),
      bridgePort: `n${i}`,
      mac: mac(i),
      ipv4: `192.0.2.${i}`,
      ipv6: `2001:db8::${i}`,
    });
  }
  const plan: LabPlan = {
    runId,
    bridgeNs: ns('br', 'l2lb-br'),
    nodes: nodePlans,
    client: { name: 'client', ns: ns('c', 'l2lb-client'), bridgePort: 'c', mac: mac(100), ipv4: '192.0.2.100', ipv6: '2001:db8::100' },
    bridgeMac: mac(0xfe),
  };
  for (const n of nodePlans.map((p) => p.bridgePort)) {
    if (n.length > IFNAMSIZ_MAX) throw new RangeError(`interface name ${n} is longer than ${IFNAMSIZ_MAX} characters`);
  }
  return plan;
}

/** Namespace names of a test lab look like this; the sweep only ever touches names that match. */
export const TEST_NS_PATTERN = /^l2lb-([a-z0-9]{4,8})-(br|c|n\d+)$/;
