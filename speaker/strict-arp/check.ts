// Is this node answering ARP for VIPs it does not own? kube-proxy in IPVS mode binds every
// Service IP, LoadBalancer VIPs included, to the dummy interface kube-ipvs0 on every node. Linux
// answers ARP for any local address on any interface unless told otherwise, so without
// kube-proxy's `strictARP: true` every node answers for every VIP and clients reach whichever
// node replied last: the speaker's election no longer decides anything. strictARP sets
//   net.ipv4.conf.all.arp_ignore=1   (answer only for addresses on the interface asked)
//   net.ipv4.conf.all.arp_announce=2 (never use such an address as the source of our own ARP
//                                     requests, which would also teach neighbours the VIP's MAC)
// The kernel applies the larger of `all` and the interface's own value (IN_DEV_MAXCONF), so both
// are read. Pure: the shell (monitor.ts) reads /sys and /proc/sys and reports the verdict.
// IPv6 is not affected: the kernel answers neighbour solicitations only for addresses of the
// interface asked.

/** The interface kube-proxy's IPVS proxier creates and binds Service IPs to. */
export const IPVS_INTERFACE = 'kube-ipvs0';

export interface ArpSysctl {
  readonly arpIgnore: number;
  readonly arpAnnounce: number;
}

export interface StrictArpInput {
  /** Every interface name on the node (IPVS mode shows as kube-ipvs0). */
  readonly interfaces: readonly string[];
  /** The interfaces the speaker announces on (where the stray answers would go out). */
  readonly announcing: readonly string[];
  /** net.ipv4.conf.all.* */
  readonly all: ArpSysctl;
  /** net.ipv4.conf.<interface>.* per announcing interface; missing ones count as 0. */
  readonly perInterface: ReadonlyMap<string, ArpSysctl>;
}

export type ArpProblem = 'answersForEveryVip' | 'announcesVipsAsSource';

export interface LooseInterface {
  readonly name: string;
  /** Effective values: max(all, interface). */
  readonly arpIgnore: number;
  readonly arpAnnounce: number;
  readonly problems: readonly ArpProblem[];
}

export type StrictArpVerdict =
  | { readonly kind: 'notIpvs' }
  | { readonly kind: 'strict' }
  | { readonly kind: 'loose'; readonly interfaces: readonly LooseInterface[]; readonly message: string };

/**
 * arp_ignore values that still answer for an address held by another interface: 0 (any local
 * address), 3 (only refuses scope host; kube-ipvs0's addresses are scope global) and the reserved
 * 4-7 and anything above 8 (the kernel treats them as 0). 1, 2 and 8 refuse.
 */
export function arpIgnoreAnswersForOtherInterfaces(value: number): boolean {
  return !(value === 1 || value === 2 || value === 8);
}

/**
 * arp_announce 2 always picks a source address of the outgoing interface; 0 and 1 may not, and
 * the kernel treats any other value as 0.
 */
export function arpAnnounceMayUseOtherAddresses(value: number): boolean {
  return value !== 2;
}

export function checkStrictArp(input: StrictArpInput): StrictArpVerdict {
  if (!input.interfaces.includes(IPVS_INTERFACE)) return { kind: 'notIpvs' };
  const loose: LooseInterface[] = [];
  for (const name of [...new Set(input.announcing)].sort()) {
    if (name === IPVS_INTERFACE) continue;
    const own = input.perInterface.get(name) ?? { arpIgnore: 0, arpAnnounce: 0 };
    const arpIgnore = Math.max(input.all.arpIgnore, own.arpIgnore);
    const arpAnnounce = Math.max(input.all.arpAnnounce, own.arpAnnounce);
    const problems: ArpProblem[] = [];
    if (arpIgnoreAnswersForOtherInterfaces(arpIgnore)) problems.push('answersForEveryVip');
    if (arpAnnounceMayUseOtherAddresses(arpAnnounce)) problems.push('announcesVipsAsSource');
    if (problems.length > 0) loose.push({ name, arpIgnore, arpAnnounce, problems });
  }
  if (loose.length === 0) return { kind: 'strict' };
  return { kind: 'loose', interfaces: loose, message: looseMessage(loose) };
}

function looseMessage(loose: readonly LooseInterface[]): string {
  const facts = loose.map((l) => `${l.name}: arp_ignore=${l.arpIgnore} arp_announce=${l.arpAnnounce}`).join('; ');
  const answers = loose.some((l) => l.problems.includes('answersForEveryVip'));
  const effect = answers
    ? 'this node answers ARP for every LoadBalancer IP on kube-ipvs0, whichever node owns it, so clients may send to any node'
    : 'this node may use LoadBalancer IPs on kube-ipvs0 as the source of its ARP requests, teaching neighbours the wrong MAC for them';
  return `kube-proxy runs in IPVS mode (${IPVS_INTERFACE} exists) without strictARP (${facts}): ${effect}. `
    + 'Set strictARP: true in kube-proxy\'s configuration (it sets net.ipv4.conf.all.arp_ignore=1 and net.ipv4.conf.all.arp_announce=2).';
}

/** A stable key of what the operator is told, so the shell reports only changes. */
export function verdictKey(v: StrictArpVerdict): string {
  return v.kind === 'loose' ? `loose:${v.message}` : v.kind;
}
