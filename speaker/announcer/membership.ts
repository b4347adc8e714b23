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

export class MulticastMembership {
  private constructor(
    private readonly socket: RawSocket,
    private readonly ifname: string,
    private readonly ifindex: number,
  ) {}

  static open(ifname: string, ifindex: number): { ok: true; value: MulticastMembership } | { ok: false; error: string } {
    let socket: RawSocket | undefined;
    try {
      socket = raw.createSocket({ protocol: IPPROTO_ICMPV6, addressFamily: raw.AddressFamily.IPv6 });
      socket.on('error', () => undefined);
      socket.pauseRecv();
      const dev = Buffer.from(`${ifname}\0`);
      socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length);
      // struct icmp6_filter: a set bit blocks that type; block all 256.
      socket.setOption(IPPROTO_ICMPV6, ICMP6_FILTER, Buffer.alloc(32, 0xff), 32);
      return { ok: true, value: new MulticastMembership(socket, ifname, ifindex) };
    } catch (err) {
      socket?.close();
      return { ok: false, error: `opening an ICMPv6 socket on ${ifname}: ${message(err)}` };
    }
  }

  join(group: IpAddress): Outcome {
    return this.set(IPV6_ADD_MEMBERSHIP, group, 'joining');
  }

  leave(group: IpAddress): Outcome {
    return this.set(IPV6_DROP_MEMBERSHIP, group, 'leaving');
  }

  close(): void {
    // Closing the socket leaves every group it joined.
    this.socket.close();
  }

  private set(option: number, group: IpAddress, verb: string): Outcome {
    // struct ipv6_mreq: 16-byte group, then the interface index in host byte order.
    const mreq = Buffer.alloc(20);
    mreq.set(ipToBytes(group), 0);
    mreq.writeUInt32LE(this.ifindex, 16);
    if (!isLittleEndian) mreq.writeUInt32BE(this.ifindex, 16);
    try {
      this.socket.setOption(IPPROTO_IPV6, option, mreq, mreq.length);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `${verb} ${formatIp(group)} on ${this.ifname}: ${message(err)}` };
    }
  }
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
