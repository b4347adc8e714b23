import { ipv6MulticastMac, solicitedNodeAddress } from '../ndp/multicast.js';
import { marshalNdpFrame, parseNdpFrame, type NdpFrame } from '../ndp/frame.js';
import type { NeighborSolicitation } from '../ndp/message.js';
import { ip, mac } from '../testing/fixtures.js';
import { decideNdp, decideNdpFrame } from './ndp.js';
import { OwnedSet } from './owned.js';

const eth0 = { name: 'eth0', mac: mac('02:00:00:00:00:01') };
const vip = ip('fd00::100');
const owned = new OwnedSet([
  { ip: vip, interfaceName: 'eth0' },
  { ip: ip('fd00::101'), interfaceName: 'eth1' },
]);
const asker = mac('02:00:00:00:00:0c');
const askerIp = ip('fd00::c');

interface Over {
  eth?: Partial<NdpFrame['ethernet']>;
  ipv6?: Partial<NdpFrame['ipv6']>;
  msg?: Partial<NeighborSolicitation>;
}
const solicitation = (over: Over = {}): NdpFrame => {
  const target = over.msg?.target ?? vip;
  const group = solicitedNodeAddress(target);
  return {
    ethernet: { destination: ipv6MulticastMac(group), source: asker, ...over.eth },
    ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: 255, source: askerIp, destination: group, ...over.ipv6 },
    message: { type: 135, code: 0, target, options: [{ kind: 'source-link-layer', mac: asker }], ...over.msg },
  };
};

describe('NDP responder decision', () => {
  test('answers a multicast solicitation: solicited NA with override and target option, to the asker', () => {
    const d = decideNdp(solicitation(), eth0, owned);
    expect(d.kind).toBe('reply');
    if (d.kind !== 'reply') return;
    expect(d.ip).toEqual(vip);
    expect(parseNdpFrame(d.frame)).toEqual({
      ok: true,
      packet: {
        ethernet: { destination: asker, source: eth0.mac },
        ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: 255, source: vip, destination: askerIp },
        message: { type: 136, code: 0, router: false, solicited: true, override: true, target: vip, options: [{ kind: 'target-link-layer', mac: eth0.mac }] },
      },
    });
  });

  test('answers a unicast solicitation (NUD) without a source option, to the frame source', () => {
    const d = decideNdp(solicitation({ eth: { destination: eth0.mac }, ipv6: { destination: vip }, msg: { options: [] } }), eth0, owned);
    expect(d.kind === 'reply' && parseNdpFrame(d.frame)).toMatchObject({ packet: { ethernet: { destination: asker }, ipv6: { destination: askerIp } } });
  });

  test('answers DAD (source ::) to all-nodes with Solicited clear', () => {
    const d = decideNdp(solicitation({ ipv6: { source: ip('::') }, msg: { options: [] } }), eth0, owned);
    expect(d.kind === 'reply' && parseNdpFrame(d.frame)).toMatchObject({
      packet: { ethernet: { destination: mac('33:33:00:00:00:01') }, ipv6: { destination: ip('ff02::1') }, message: { solicited: false, override: true } },
    });
  });

  test.each<[string, NdpFrame]>([
    ['not-a-request', { ...solicitation(), message: { type: 136, code: 0, router: false, solicited: false, override: true, target: vip, options: [] } }],
    ['bad-hop-limit', solicitation({ ipv6: { hopLimit: 64 } })],
    ['bad-icmp-code', solicitation({ msg: { code: 1 } })],
    ['source-multicast', solicitation({ ipv6: { source: ip('ff02::1') } })],
    ['unspecified-source-with-link-layer-option', solicitation({ ipv6: { source: ip('::') } })],
    ['eth-dst-not-us', solicitation({ eth: { destination: mac('02:00:00:00:00:02') }, ipv6: { destination: vip } })],
    ['eth-dst-not-us', solicitation({ eth: { destination: mac('33:33:ff:00:09:99') } })],
    ['eth-dst-not-us', solicitation({ eth: { destination: mac('ff:ff:ff:ff:ff:ff') } })],
    ['not-to-target', solicitation({ eth: { destination: mac('33:33:00:00:00:01') }, ipv6: { destination: ip('ff02::1') } })],
    ['not-to-target', solicitation({ eth: { destination: eth0.mac }, ipv6: { destination: ip('fd00::1') } })],
    ['not-owned', solicitation({ msg: { target: ip('fd00::102') } })],
    ['bad-sender-mac', solicitation({ msg: { options: [{ kind: 'source-link-layer', mac: mac('33:33:00:00:00:01') }] } })],
    ['bad-sender-mac', solicitation({ msg: { options: [] }, eth: { source: mac('00:00:00:00:00:00') } })],
    ['wrong-interface', solicitation({ msg: { target: ip('fd00::101') } })],
  ])('drops %s', (reason, req) => {
    expect(decideNdp(req, eth0, owned)).toMatchObject({ kind: 'drop', reason });
  });

  test('from bytes: parse failures and checksum errors are drop reasons', () => {
    const bytes = marshalNdpFrame(solicitation());
    expect(decideNdpFrame(bytes, eth0, owned).kind).toBe('reply');
    bytes[bytes.length - 1] ^= 1;
    expect(decideNdpFrame(bytes, eth0, owned)).toEqual({ kind: 'drop', reason: 'bad-checksum' });
  });
});
