// Builds and removes the lab's namespaces, veths and bridge with iproute2. Creation is
// asynchronous and parallel per endpoint (a 3-node lab comes up in a few hundred ms);
// teardown is synchronous so that exit handlers, where no event loop runs, can use it too.
import { BRIDGE_IF, HOST_IPV4, HOST_IPV6, IPV4_PREFIX, IPV6_PREFIX, LAB_IF, TEST_NS_PATTERN, type EndpointPlan, type LabPlan } from './names.js';
import { inNs, runChecked, runSync } from './run.js';

function ipBatch(ns: string | undefined, lines: readonly string[]): Promise<unknown> {
  const argv = ns === undefined ? ['ip', '-batch', '-'] : ['ip', '-n', ns, '-batch', '-'];
  return runChecked(argv, { input: lines.join('\n') + '\n' });
}

/**
 * The shell lines that write /proc/sys (no procps needed). A key ending in "?" is optional:
 * skipped when this kernel lacks it (accept_untracked_na arrived in 5.18); any other missing key
 * is an error, so a typo cannot pass silently.
 */
function sysctlLines(settings: readonly string[]): string[] {
  const lines = settings.map((s) => {
    const eq = s.indexOf('=');
    const key = s.slice(0, eq);
    const optional = key.endsWith('?');
    const path = '/proc/sys/' + (optional ? key.slice(0, -1) : key).replaceAll('.', '/');
    if (!/^[a-z0-9_/]+$/.test(path) || !/^[0-9]+$/.test(s.slice(eq + 1))) throw new RangeError(`bad sysctl ${s}`);
    return `w ${path} ${s.slice(eq + 1)} ${optional ? 'optional' : 'required'}`;
  });
  return ['w() { if [ -e "$1" ]; then echo "$2" > "$1"; elif [ "$3" = required ]; then echo "no sysctl $1" >&2; exit 1; fi; }', ...lines];
}

/** Writes /proc/sys inside ns, then runs `ip` batch lines there: one command in the namespace. */
function configure(ns: string, settings: readonly string[], ipLines: readonly string[] = []): Promise<unknown> {
  const batch = ipLines.length === 0 ? [] : ["ip -batch - <<'EOF'", ...ipLines, 'EOF'];
  return runChecked(inNs(ns, ['sh', '-c', ['set -e', ...sysctlLines(settings), ...batch].join('\n')]));
}

export function listNamespaces(): string[] {
  const r = runSync(['ip', 'netns', 'list']);
  // Lines look like "name" or "name (id: 3)".
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(' ')[0] ?? '')
    .filter((n) => n !== '');
}

/** The bridge's side of an endpoint: its veth pair (the other end moved into the endpoint's namespace), attached and up. */
const bridgePortLines = (ep: EndpointPlan): string[] => [
  `link add ${ep.bridgePort} type veth peer name ${LAB_IF} netns ${ep.ns}`,
  `link set ${ep.bridgePort} master ${BRIDGE_IF}`,
  `link set ${ep.bridgePort} up`,
];

/** The endpoint's side, once its veth end is there: one command per namespace (each entry into a namespace is slow when many labs share the machine). */
async function configureEndpoint(ep: EndpointPlan, role: 'node' | 'client'): Promise<void> {
  // Before the link comes up: without accept_dad=0 IPv6 sends fail for a second or two, and
  // keep_addr_on_down keeps the static addresses across setLink(down/up) (failover tests).
  const common = [
    `net.ipv6.conf.${LAB_IF}.accept_dad=0`,
    `net.ipv6.conf.${LAB_IF}.keep_addr_on_down=1`,
    `net.ipv6.conf.${LAB_IF}.accept_ra=0`,
  ];
  const roleSettings =
    role === 'node'
      ? // A node's test server may listen on a VIP the node does not carry (the VIP must never be
        // on an interface, or the kernel answers ARP instead of the speaker).
        ['net.ipv4.ip_nonlocal_bind=1', 'net.ipv6.ip_nonlocal_bind=1']
      : // The client learns neighbours from gratuitous ARP / unsolicited NA, as a router would.
        [
          'net.ipv4.conf.all.arp_accept=1',
          `net.ipv4.conf.${LAB_IF}.arp_accept=1`,
          'net.ipv6.conf.all.accept_untracked_na?=1',
          `net.ipv6.conf.${LAB_IF}.accept_untracked_na?=1`,
        ];
  await configure(ep.ns, [...common, ...roleSettings], [
    'link set lo up',
    `link set ${LAB_IF} address ${ep.mac}`,
    `addr add ${ep.ipv4}/${IPV4_PREFIX} dev ${LAB_IF}`,
    `addr add ${ep.ipv6}/${IPV6_PREFIX} dev ${LAB_IF} nodad`,
    `link set ${LAB_IF} up`,
  ]);
}

// The host address lives on the bridge device, inside the bridge namespace, and never in the
// root namespace: machines here sit on 192.0.2.0/24 themselves (eth0 192.0.2.2, gateway
// 192.0.2.1), so a root-namespace port on the lab network would shadow the machine's own
// routes and answer ARP for its addresses. Servers in the root namespace are reached through
// forwarders (see forward.ts).
async function addHostAddress(plan: LabPlan): Promise<void> {
  await configure(plan.bridgeNs, [`net.ipv6.conf.${BRIDGE_IF}.accept_ra=0`]);
  await ipBatch(plan.bridgeNs, [
    `addr add ${HOST_IPV4}/${IPV4_PREFIX} dev ${BRIDGE_IF}`,
    `addr add ${HOST_IPV6}/${IPV6_PREFIX} dev ${BRIDGE_IF} nodad`,
  ]);
}

export async function buildLab(plan: LabPlan, hostAddress: boolean): Promise<void> {
  const all = [plan.bridgeNs, plan.client.ns, ...plan.nodes.map((n) => n.ns)];
  await Promise.all(all.map((ns) => runChecked(['ip', 'netns', 'add', ns])));
  // The bridge's MAC is fixed too: a bridge otherwise takes its lowest port's MAC, and changes
  // it as ports come and go.
  await ipBatch(plan.bridgeNs, ['link set lo up', `link add ${BRIDGE_IF} address ${plan.bridgeMac} type bridge`]);
  // The bridge's own link-local must be usable at once: its multicast querier sends MLD
  // queries from it and stays silent while the address is tentative. Ports (created after
  // this) get no IPv6 of their own: they would send router solicitations and MLD reports
  // into the lab, noise in every capture.
  await configure(plan.bridgeNs, [`net.ipv6.conf.${BRIDGE_IF}.accept_dad=0`, 'net.ipv6.conf.default.disable_ipv6=1']);
  if (hostAddress) await addHostAddress(plan);
  await ipBatch(plan.bridgeNs, [`link set ${BRIDGE_IF} up`]);
  // Every veth pair in one batch in the bridge namespace, then each endpoint's side in parallel.
  await ipBatch(plan.bridgeNs, [...plan.nodes, plan.client].flatMap(bridgePortLines));
  await Promise.all([...plan.nodes.map((n) => configureEndpoint(n, 'node')), configureEndpoint(plan.client, 'client')]);
}

function killNamespaceProcesses(ns: string): void {
  const r = runSync(['ip', 'netns', 'pids', ns]);
  for (const pid of r.stdout.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Idempotent: everything missing is skipped. Processes still inside a namespace are killed
 * first, since a namespace with a live process survives `ip netns del` (only its name goes).
 */
export function teardownLab(plan: LabPlan): void {
  const all = [...plan.nodes.map((n) => n.ns), plan.client.ns, plan.bridgeNs];
  const present = new Set(listNamespaces());
  for (const ns of all) if (present.has(ns)) killNamespaceProcesses(ns);
  for (const ns of all) if (present.has(ns)) runSync(['ip', 'netns', 'del', ns]);
}

/** Namespaces named like a test lab's, grouped by run id. */
export function testLabNamespaces(): Map<string, string[]> {
  const byRun = new Map<string, string[]>();
  for (const ns of listNamespaces()) {
    const m = TEST_NS_PATTERN.exec(ns);
    if (!m?.[1]) continue;
    byRun.set(m[1], [...(byRun.get(m[1]) ?? []), ns]);
  }
  return byRun;
}

export function deleteNamespaces(names: readonly string[]): void {
  for (const ns of names) {
    killNamespaceProcesses(ns);
    runSync(['ip', 'netns', 'del', ns]);
  }
}
