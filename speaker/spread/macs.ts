// The I/O half of neighbours.ts: reads /proc/net/arp and, for node addresses it does not list,
// sends one empty UDP datagram to the discard port so the kernel resolves them (the answer, if
// any, is an ICMP port-unreachable nobody reads). A MAC once learned is kept while the node keeps
// that address: the forwarding rules do not use the kernel's entry, so the kernel may forget it,
// and a flow must not move to the owner because an idle ARP entry expired.
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { macsOnDevice, parseArpTable } from './neighbours.js';

const DISCARD_PORT = 9;

export interface MacLookup {
  /** node -> MAC on `device` for the nodes given (node -> IPv4 addresses); missing ones are being resolved. */
  resolve(device: string, nodes: ReadonlyMap<string, readonly string[]>): Promise<Map<string, string>>;
  close(): void;
}

export class NeighbourMacs implements MacLookup {
  private readonly known = new Map<string, { readonly ips: string; readonly mac: string }>();
  private readonly socket = createSocket('udp4');

  constructor(private readonly readTable: () => Promise<string> = () => readFile('/proc/net/arp', 'utf8')) {
    this.socket.on('error', () => undefined); // unreachable nodes are simply not resolved yet
    this.socket.unref();
  }

  async resolve(device: string, nodes: ReadonlyMap<string, readonly string[]>): Promise<Map<string, string>> {
    const fresh = macsOnDevice(device, nodes, parseArpTable(await this.readTable()));
    const out = new Map<string, string>();
    for (const [node, ips] of nodes) {
      const key = `${device}/${node}`;
      const sig = ips.join(',');
      const mac = fresh.get(node);
      if (mac !== undefined) this.known.set(key, { ips: sig, mac });
      const remembered = this.known.get(key);
      if (remembered !== undefined && remembered.ips === sig) out.set(node, remembered.mac);
      else for (const ip of ips) this.socket.send(Buffer.alloc(0), DISCARD_PORT, ip);
    }
    return out;
  }

  close(): void {
    this.socket.close();
  }
}
