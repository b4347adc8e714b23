// Which interfaces a speaker may announce on: pure rules over facts read from /sys (sysfs.ts),
// so every rule is table-tested and lives in one place. An interface is skipped when it is
//   - not in the L2Advertisement's `interfaces` list (when the list is non-empty; exact names,
//     as in MetalLB),
//   - on the exclude list (exact names or `prefix*`; by default the CNI/container/tunnel
//     devices that never face the node's L2 network),
//   - not Ethernet (ARP type != 1: loopback, tunnels, WireGuard, InfiniBand, ...),
//   - without a MAC (all zeros),
//   - down (administratively, or no carrier),
//   - a bond or bridge port (the master answers for it; a VRF master does not count),
//   - NOARP (IFF_NOARP: the kernel does no ARP there, so no one would ask us).
// Each skip carries a reason, so the speaker can say why a named interface is not used.

export interface RawInterface {
  readonly name: string;
  readonly ifindex: number;
  /** "aa:bb:cc:dd:ee:ff" as sysfs prints it. */
  readonly mac: string;
  /** /sys/class/net/<if>/flags: dev->flags (IFF_UP 0x1, IFF_NOARP 0x80, ...). */
  readonly flags: number;
  /** /sys/class/net/<if>/type: ARPHRD_* (1 = Ethernet). */
  readonly type: number;
  /** /sys/class/net/<if>/operstate: up, down, lowerlayerdown, unknown, dormant, ... */
  readonly operstate: string;
  /** Name of the master device (bond, bridge, team, VRF), if enslaved. */
  readonly master?: string;
  /** DEVTYPE of the master from its uevent: bridge, bond, vrf, ... (undefined if unknown). */
  readonly masterKind?: string;
  /** Has a usable (non-tentative) IPv6 link-local address: the source of our NAs. */
  readonly ipv6LinkLocal: boolean;
}

export interface UsableInterface {
  readonly name: string;
  readonly ifindex: number;
  readonly mac: string;
  readonly hasIpv6LinkLocal: boolean;
}

export type SkipReason = 'notInAllowList' | 'excluded' | 'notEthernet' | 'noMac' | 'down' | 'enslaved' | 'noarp';

export interface SkippedInterface {
  readonly name: string;
  readonly reason: SkipReason;
}

export interface SelectionRules {
  /** Exact names or `prefix*` patterns. Default DEFAULT_EXCLUDES. */
  readonly exclude?: readonly string[];
  /** The L2Advertisement's `interfaces`: when non-empty, only these names (exact). */
  readonly allow?: readonly string[];
}

export interface InterfaceSelection {
  readonly usable: readonly UsableInterface[];
  readonly skipped: readonly SkippedInterface[];
}

const IFF_UP = 0x1;
const IFF_NOARP = 0x80;
const ARPHRD_ETHER = 1;

/**
 * Devices that belong to container networking, overlays or the host itself and never to the
 * node's L2 segment. Deliberately no `br-*`: OpenShift's primary bridge is `br-ex`.
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  'lo',
  'docker*',
  'cni*',
  'veth*',
  'cali*',
  'flannel*',
  'kube-ipvs*',
  'kube-bridge',
  'kube-dummy-if',
  'nodelocaldns',
  'cilium*',
  'lxc*',
  'vxlan*',
  'tunl*',
  'weave*',
  'genev*',
  'ovn-k8s*',
  'antrea*',
  'flannel-wg*',
  'virbr*',
];

export function matchesPattern(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

// Kernel operstates in which the link carries traffic (netif_oper_up: UP, or UNKNOWN for
// drivers that never report carrier, such as dummy or some virtual NICs).
const OPER_UP = new Set(['up', 'unknown']);

export function skipReason(iface: RawInterface, rules: SelectionRules = {}): SkipReason | undefined {
  const allow = rules.allow ?? [];
  if (allow.length > 0 && !allow.includes(iface.name)) return 'notInAllowList';
  if ((rules.exclude ?? DEFAULT_EXCLUDES).some((p) => matchesPattern(iface.name, p))) return 'excluded';
  if (iface.type !== ARPHRD_ETHER) return 'notEthernet';
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(iface.mac) || /^(00:){5}00$/.test(iface.mac)) return 'noMac';
  if ((iface.flags & IFF_UP) === 0 || !OPER_UP.has(iface.operstate)) return 'down';
  if (iface.master !== undefined && iface.masterKind !== 'vrf') return 'enslaved';
  if ((iface.flags & IFF_NOARP) !== 0) return 'noarp';
  return undefined;
}

export function selectInterfaces(ifaces: readonly RawInterface[], rules: SelectionRules = {}): InterfaceSelection {
  const usable: UsableInterface[] = [];
  const skipped: SkippedInterface[] = [];
  for (const iface of [...ifaces].sort((a, b) => a.ifindex - b.ifindex)) {
    const reason = skipReason(iface, rules);
    if (reason) skipped.push({ name: iface.name, reason });
    else usable.push({ name: iface.name, ifindex: iface.ifindex, mac: iface.mac.toLowerCase(), hasIpv6LinkLocal: iface.ipv6LinkLocal });
  }
  return { usable, skipped };
}
