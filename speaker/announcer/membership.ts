// Joins and leaves IPv6 multicast groups on one interface through a raw ICMPv6 socket
// (raw-socket). Joining is what makes the kernel send MLD reports, so snooping switches and
// bridges forward solicitations for a VIP's solicited-node group to this host, and what
// programs the NIC's multicast filter. The socket reads nothing: solicitations are read from a
// packet socket (see speaker/responder/ndp.ts for why), so its ICMPv6 filter blocks every type.
import { createRequire } from 'node:module';
import { ipToBytes, formatIp, type IpAddress } from '../../shared/ip/address.js';

const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPPROTO_IPV6 = 41;
const IPV6_ADD_MEMBERSHIP = 20;
const IPV6_DROP_MEMBERSHIP = 21;
const IPPROTO_ICMPV6 = 58;
const ICMP6_FILTER = 1;

/** The part of raw-socket (CommonJS, untyped) used here. */
interface RawSocket {
  setOption(level: number, option: number, value: Buffer, length: number): void;
  pauseRecv(): RawSocket;
  on(event: 'error', cb: (err: Error) => void): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(opts: { protocol: number; addressFamily: number }): RawSocket;
  AddressFamily: { IPv6: number };
}
const raw = createRequire(import.meta.url)('raw-socket') as RawSocketModule;

export type Outcome = { ok: true } | { ok: false; error: string };

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Groups per socket. Each membership costs the socket ~56 bytes of option memory, capped by
 * net.core.optmem_max (128 KiB by default: 2,340 groups, then ENOMEM). A speaker holding a few
 * thousand IPv6 VIPs (a survivor after a peer death) needs more, so groups are spread over as many
 * sockets as needed, this many each.
 */
export const GROUPS_PER_SOCKET = 1_000;

interface Shard {
  readonly socket: RawSocket;
  readonly groups: Set<bigint>;
}

function openSocket(ifname: string): RawSocket {
  const socket = raw.createSocket({ protocol: IPPROTO_ICMPV6, addressFamily: raw.AddressFamily.IPv6 });
  try {
    socket.on('error', () => undefined);
    socket.pauseRecv();
    const dev = Buffer.from(`${ifname}\0`);
    socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length);
    // struct icmp6_filter: a set bit blocks that type; block all 256.
    socket.setOption(IPPROTO_ICMPV6, ICMP6_FILTER, Buffer.alloc(32, 0xff), 32);
    return socket;
  } catch (err) {
    socket.close();
    throw err;
  }
}

export class MulticastMembership {
  private readonly shards: Shard[];

  private constructor(
    first: RawSocket,
    private readonly ifname: string,
    private readonly ifindex: number,
    private readonly perSocket: number,
  ) {
    this.shards = [{ socket: first, groups: new Set() }];
  }

  static open(ifname: string, ifindex: number, perSocket = GROUPS_PER_SOCKET): { ok: true; value: MulticastMembership } | { ok: false; error: string } {
    try {
      return { ok: true, value: new MulticastMembership(openSocket(ifname), ifname, ifindex, perSocket) };
    } catch (err) {
      return { ok: false, error: `opening an ICMPv6 socket on ${ifname}: ${message(err)}` };
    }
  }

  /** Sockets in use (one per GROUPS_PER_SOCKET groups). */
  get socketCount(): number {
    return this.shards.length;
  }

  join(group: IpAddress): Outcome {
    let shard = this.shards.find((s) => s.groups.size < this.perSocket);
    if (shard === undefined) {
      try {
        shard = { socket: openSocket(this.ifname), groups: new Set() };
      } catch (err) {
        return { ok: false, error: `joining ${formatIp(group)} on ${this.ifname}: opening another ICMPv6 socket: ${message(err)}` };
      }
      this.shards.push(shard);
    }
    const r = this.set(shard.socket, IPV6_ADD_MEMBERSHIP, group, 'joining');
    if (r.ok) shard.groups.add(group.value);
    return r;
  }

  leave(group: IpAddress): Outcome {
    const shard = this.shards.find((s) => s.groups.has(group.value)) ?? this.shards[0]!;
    const r = this.set(shard.socket, IPV6_DROP_MEMBERSHIP, group, 'leaving');
    shard.groups.delete(group.value);
    // Sockets beyond the first are closed once empty, so a shrinking set gives memory back.
    if (shard.groups.size === 0 && shard !== this.shards[0]) {
      shard.socket.close();
      this.shards.splice(this.shards.indexOf(shard), 1);
    }
    return r;
  }

  close(): void {
    // Closing a socket leaves every group it joined.
    for (const s of this.shards) s.socket.close();
    this.shards.length = 0;
  }

  private set(socket: RawSocket, option: number, group: IpAddress, verb: string): Outcome {
    // struct ipv6_mreq: 16-byte group, then the interface index in host byte order.
    const mreq = Buffer.alloc(20);
    mreq.set(ipToBytes(group), 0);
    mreq.writeUInt32LE(this.ifindex, 16);
    if (!isLittleEndian) mreq.writeUInt32BE(this.ifindex, 16);
    try {
      socket.setOption(IPPROTO_IPV6, option, mreq, mreq.length);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `${verb} ${formatIp(group)} on ${this.ifname}: ${message(err)}` };
    }
  }
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
