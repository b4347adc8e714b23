import { parseArpFrame, ARP_REPLY, ARP_REQUEST, marshalArpFrame, type ArpFrame } from '../arp/packet.js';
import { ip, mac } from '../testing/fixtures.js';
import { decideArp, decideArpFrame } from './arp.js';
import { OwnedSet } from './owned.js';

const eth0 = { name: 'eth0', mac: mac('02:00:00:00:00:01') };
const owned = new OwnedSet([
  { ip: ip('192.0.2.10'), interfaceName: 'eth0' },
  { ip: ip('192.0.2.11'), interfaceName: 'eth1' },
]);
const asker = mac('02:00:00:00:00:0c');

const request = (over: { eth?: Partial<ArpFrame['ethernet']>; arp?: Partial<ArpFrame['arp']> } = {}): ArpFrame => ({
  ethernet: { destination: mac('ff:ff:ff:ff:ff:ff'), source: asker, ...over.eth },
  arp: { operation: ARP_REQUEST, senderMac: asker, senderIp: ip('192.0.2.99'), targetMac: mac('00:00:00:00:00:00'), targetIp: ip('192.0.2.10'), ...over.arp },
});

describe('ARP responder decision', () => {
  test('answers a broadcast request for an owned VIP: unicast to the asker, from our MAC', () => {
    const d = decideArp(request(), eth0, owned);
    expect(d.kind).toBe('reply');
    if (d.kind !== 'reply') return;
    expect(d.ip).toEqual(ip('192.0.2.10'));
    expect(parseArpFrame(d.frame)).toEqual({
      ok: true,
      packet: {
        ethernet: { destination: asker, source: eth0.mac },
        arp: { operation: ARP_REPLY, senderMac: eth0.mac, senderIp: ip('192.0.2.10'), targetMac: asker, targetIp: ip('192.0.2.99') },
      },
    });
  });

  test('answers a unicast request to our MAC (cache refresh)', () => {
    expect(decideArp(request({ eth: { destination: eth0.mac } }), eth0, owned).kind).toBe('reply');
  });

  test('answers an RFC 5227 probe (sender 0.0.0.0) to defend the VIP', () => {
    const d = decideArp(request({ arp: { senderIp: ip('0.0.0.0') } }), eth0, owned);
    expect(d.kind === 'reply' && parseArpFrame(d.frame)).toMatchObject({ packet: { arp: { targetIp: ip('0.0.0.0'), targetMac: asker } } });
  });

  test('replies to the ARP sender hardware address even when the Ethernet source differs (RFC 826)', () => {
    const d = decideArp(request({ eth: { source: mac('02:00:00:00:00:77') } }), eth0, owned);
    expect(d.kind === 'reply' && parseArpFrame(d.frame)).toMatchObject({ packet: { ethernet: { destination: asker } } });
  });

  test.each<[string, ArpFrame]>([
    ['not-a-request', request({ arp: { operation: ARP_REPLY } })],
    ['eth-dst-not-us', request({ eth: { destination: mac('02:00:00:00:00:02') } })],
    ['eth-dst-not-us', request({ eth: { destination: mac('01:00:5e:00:00:01') } })],
    ['bad-sender-mac', request({ arp: { senderMac: mac('ff:ff:ff:ff:ff:ff') } })],
    ['bad-sender-mac', request({ arp: { senderMac: mac('01:00:5e:00:00:01') } })],
    ['bad-sender-mac', request({ arp: { senderMac: mac('00:00:00:00:00:00') } })],
    ['bad-sender-ip', request({ arp: { senderIp: ip('127.0.0.1') } })],
    ['bad-sender-ip', request({ arp: { senderIp: ip('224.0.0.1') } })],
    ['bad-sender-ip', request({ arp: { senderIp: ip('255.255.255.255') } })],
    ['gratuitous', request({ arp: { senderIp: ip('192.0.2.10') } })],
    ['not-owned', request({ arp: { targetIp: ip('192.0.2.12') } })],
    ['wrong-interface', request({ arp: { targetIp: ip('192.0.2.11') } })],
  ])('drops %s', (reason, req) => {
    expect(decideArp(req, eth0, owned)).toMatchObject({ kind: 'drop', reason });
  });

  test('from bytes: parse failures are drop reasons too', () => {
    expect(decideArpFrame(new Uint8Array(5), eth0, owned)).toEqual({ kind: 'drop', reason: 'short-frame' });
    expect(decideArpFrame(marshalArpFrame(request()), eth0, owned).kind).toBe('reply');
  });

  test('an empty owned set never answers', () => {
    expect(decideArp(request(), eth0, OwnedSet.empty)).toMatchObject({ kind: 'drop', reason: 'not-owned' });
  });
});
