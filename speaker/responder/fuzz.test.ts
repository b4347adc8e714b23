// Fuzz: random and mutated frames (well over 100,000 per run) through parse + decide. Nothing may
// throw, and a reply may only ever be built for an owned (VIP, interface) pair, from our MAC.
import fc from 'fast-check';
import { ipEquals, type IpAddress } from '../../shared/ip/address.js';
import { ARP_REPLY, ARP_REQUEST, marshalArpFrame, parseArpFrame } from '../arp/packet.js';
import { ETHERNET_MIN_FRAME_LENGTH } from '../ethernet/frame.js';
import { isGroupMac, macEquals, type Mac } from '../ethernet/mac.js';
import { icmpv6Checksum } from '../ndp/ipv6.js';
import { marshalNdpFrame, parseNdpFrame } from '../ndp/frame.js';
import type { NdpOption } from '../ndp/message.js';
import { ALL_NODES, ipv6MulticastMac, solicitedNodeAddress } from '../ndp/multicast.js';
import { ip, mac } from '../testing/fixtures.js';
import { decideArpFrame } from './arp.js';
import type { Decision, ReceivingInterface } from './decision.js';
import { decideNdpFrame } from './ndp.js';
import { OwnedSet } from './owned.js';

const eth0: ReceivingInterface = { name: 'eth0', mac: mac('02:00:00:00:00:01') };
const owned = new OwnedSet([
  { ip: ip('192.0.2.10'), interfaceName: 'eth0' },
  { ip: ip('192.0.2.11'), interfaceName: 'eth1' },
  { ip: ip('fd00::100'), interfaceName: 'eth0' },
  { ip: ip('fd00::101'), interfaceName: 'eth1' },
]);
const RUNS = 30_000; // four properties: 120,000 frames per run

// Addresses near the owned ones (same low bits, other family, neighbours) find the edges.
const v4Pool = ['192.0.2.10', '192.0.2.11', '192.0.2.12', '0.0.0.0', '127.0.0.1', '224.0.0.1', '255.255.255.255', '10.0.0.10'].map(ip);
const v6Pool = ['fd00::100', 'fd00::101', 'fd01::100', '::', 'ff02::1', 'ff02::1:ff00:100', 'fe80::1', '::c000:20a'].map(ip);
const macPool = [eth0.mac, mac('ff:ff:ff:ff:ff:ff'), mac('02:00:00:00:00:0c'), mac('00:00:00:00:00:00'), mac('33:33:ff:00:01:00'), mac('33:33:00:00:00:01')];

const anyMac = fc.oneof(fc.constantFrom(...macPool), fc.uint8Array({ minLength: 6, maxLength: 6 }));
const anyV4 = fc.oneof(fc.constantFrom(...v4Pool), fc.bigInt({ min: 0n, max: 0xffffffffn }).map((value): IpAddress => ({ family: 4, value })));
const anyV6 = fc.oneof(
  fc.constantFrom(...v6Pool),
  fc.constantFrom(...v6Pool).map(solicitedNodeAddress),
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value): IpAddress => ({ family: 6, value })),
);
const mutations = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 });
const resize = fc.oneof(fc.constant(0), fc.integer({ min: -20, max: 20 }));

function mutate(frame: Uint8Array, muts: [number, number][], delta: number): Uint8Array {
  const len = Math.max(0, frame.length + delta);
  const out = new Uint8Array(len);
  out.set(frame.subarray(0, len));
  for (const [at, v] of muts) if (len > 0) out[at % len] = v;
  return out;
}

/** Fixes the ICMPv6 checksum after a mutation, so mutations reach the checks behind it. */
function resum(frame: Uint8Array): Uint8Array {
  if (frame.length < 58) return frame;
  const plen = (frame[18]! << 8) | frame[19]!;
  const msg = frame.subarray(54, Math.min(frame.length, 54 + plen));
  if (msg.length < 4) return frame;
  const src: IpAddress = { family: 6, value: BigInt('0x' + Buffer.from(frame.subarray(22, 38)).toString('hex')) };
  const dst: IpAddress = { family: 6, value: BigInt('0x' + Buffer.from(frame.subarray(38, 54)).toString('hex')) };
  const c = icmpv6Checksum(src, dst, msg);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  return frame;
}

function checkArp(frame: Uint8Array): boolean {
  const d: Decision<string> = decideArpFrame(frame, eth0, owned);
  if (d.kind === 'drop') return true;
  expect(owned.check(d.ip, eth0.name)).toBe('owned');
  expect(d.frame.length).toBeGreaterThanOrEqual(ETHERNET_MIN_FRAME_LENGTH);
  const r = parseArpFrame(d.frame);
  if (!r.ok) throw new Error('reply does not parse');
  expect(r.packet.arp.operation).toBe(ARP_REPLY);
  expect(ipEquals(r.packet.arp.senderIp, d.ip)).toBe(true);
  expect(macEquals(r.packet.arp.senderMac, eth0.mac) && macEquals(r.packet.ethernet.source, eth0.mac)).toBe(true);
  expect(isGroupMac(r.packet.ethernet.destination)).toBe(false);
  return true;
}

function checkNdp(frame: Uint8Array): boolean {
  const d: Decision<string> = decideNdpFrame(frame, eth0, owned);
  if (d.kind === 'drop') return true;
  expect(owned.check(d.ip, eth0.name)).toBe('owned');
  expect(d.frame.length).toBeGreaterThanOrEqual(ETHERNET_MIN_FRAME_LENGTH);
  const r = parseNdpFrame(d.frame);
  if (!r.ok) throw new Error('reply does not parse');
  const { message, ipv6, ethernet } = r.packet;
  expect(message.type).toBe(136);
  expect(ipEquals(message.target, d.ip) && ipEquals(ipv6.source, d.ip)).toBe(true);
  expect(macEquals(ethernet.source, eth0.mac)).toBe(true);
  expect(message.options).toEqual([{ kind: 'target-link-layer', mac: eth0.mac }]);
  expect(ipv6.hopLimit).toBe(255);
  // Only a DAD answer goes to a group, and only to all-nodes.
  if (isGroupMac(ethernet.destination)) expect(macEquals(ethernet.destination, ipv6MulticastMac(ALL_NODES))).toBe(true);
  return true;
}

const arpFrame = fc
  .record({
    destination: anyMac,
    source: anyMac,
    operation: fc.oneof(fc.constantFrom(ARP_REQUEST, ARP_REPLY)),
    senderMac: anyMac,
    senderIp: anyV4,
    targetMac: anyMac,
    targetIp: anyV4,
  })
  .map(({ destination, source, ...arp }) => marshalArpFrame({ ethernet: { destination, source }, arp }));

const option: fc.Arbitrary<NdpOption> = fc.oneof(
  anyMac.map((m: Mac) => ({ kind: 'source-link-layer' as const, mac: m })),
  anyMac.map((m: Mac) => ({ kind: 'target-link-layer' as const, mac: m })),
  fc.uint8Array({ minLength: 6, maxLength: 14 }).map((body) => ({ kind: 'other' as const, type: 14, body: body.subarray(0, body.length < 14 ? 6 : 14) })),
);
const ndpFrame = fc
  .record({
    destination: anyMac,
    source: anyMac,
    hopLimit: fc.oneof(fc.constant(255), fc.integer({ min: 0, max: 255 })),
    src: anyV6,
    dst: anyV6,
    type: fc.constantFrom(135 as const, 136 as const),
    code: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
    target: anyV6,
    options: fc.array(option, { maxLength: 3 }),
  })
  .map((r) =>
    marshalNdpFrame({
      ethernet: { destination: r.destination, source: r.source },
      ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: r.hopLimit, source: r.src, destination: r.dst },
      message:
        r.type === 135
          ? { type: 135, code: r.code, target: r.target, options: r.options }
          : { type: 136, code: r.code, router: false, solicited: true, override: true, target: r.target, options: r.options },
    }),
  );

describe('fuzz: parse + decide', () => {
  const params = { numRuns: RUNS };

  test('random bytes never throw or get an answer for an unowned address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => checkArp(bytes) && checkNdp(bytes)),
      params,
    );
  });

  test('random bytes behind a valid Ethernet + ARP / IPv6 prefix', () => {
    const prefix = fc.oneof(
      fc.constant(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0xc, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1)),
      fc.constant(Uint8Array.of(0x33, 0x33, 0xff, 0, 1, 0, 2, 0, 0, 0, 0, 0xc, 0x86, 0xdd, 0x60, 0, 0, 0)),
    );
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 100 }), (p, rest) => {
        const f = new Uint8Array([...p, ...rest]);
        return checkArp(f) && checkNdp(f) && checkNdp(resum(f));
      }),
      params,
    );
  });

  test('mutated ARP frames built from owned and unowned addresses', () => {
    fc.assert(
      fc.property(arpFrame, mutations, resize, (f, m, d) => checkArp(f) && checkArp(mutate(f, m, d))),
      params,
    );
  });

  test('mutated NDP frames built from owned and unowned addresses, checksum fixed up', () => {
    fc.assert(
      fc.property(ndpFrame, mutations, resize, (f, m, d) => checkNdp(f) && checkNdp(resum(mutate(f, m, d)))),
      params,
    );
  });
});
