import { parseArpFrame } from '../arp/packet.js';
import { ETHERNET_MIN_FRAME_LENGTH } from '../ethernet/frame.js';
import { parseNdpFrame } from '../ndp/frame.js';
import { validateNdp } from '../ndp/validate.js';
import { ip, mac } from '../testing/fixtures.js';
import { gratuitousArp, unsolicitedNeighborAdvertisement } from './gratuitous.js';

const m = mac('02:00:00:00:00:01');

describe('gratuitous announcements', () => {
  test('no frame is shorter than Ethernet\'s 60-byte minimum', () => {
    const frames = [...gratuitousArp(m, ip('192.0.2.10')), unsolicitedNeighborAdvertisement(m, ip('fd00::100'))];
    for (const f of frames) expect(f.length).toBeGreaterThanOrEqual(ETHERNET_MIN_FRAME_LENGTH);
    expect(frames[0]!.length).toBe(60);
  });

  test('ARP: a broadcast request and a broadcast reply, sender = target = VIP, from our MAC', () => {
    const [req, rep] = gratuitousArp(m, ip('192.0.2.10')).map((f) => parseArpFrame(f));
    expect(req).toEqual({
      ok: true,
      packet: {
        ethernet: { destination: mac('ff:ff:ff:ff:ff:ff'), source: m },
        arp: { operation: 1, senderMac: m, senderIp: ip('192.0.2.10'), targetMac: mac('00:00:00:00:00:00'), targetIp: ip('192.0.2.10') },
      },
    });
    expect(rep).toMatchObject({ ok: true, packet: { arp: { operation: 2, senderMac: m, senderIp: ip('192.0.2.10'), targetIp: ip('192.0.2.10') } } });
  });

  test('NDP: unsolicited NA to all-nodes with Override, valid by §7.1.2', () => {
    const r = parseNdpFrame(unsolicitedNeighborAdvertisement(m, ip('fd00::100')));
    expect(r).toEqual({
      ok: true,
      packet: {
        ethernet: { destination: mac('33:33:00:00:00:01'), source: m },
        ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: 255, source: ip('fd00::100'), destination: ip('ff02::1') },
        message: { type: 136, code: 0, router: false, solicited: false, override: true, target: ip('fd00::100'), options: [{ kind: 'target-link-layer', mac: m }] },
      },
    });
    if (r.ok) expect(validateNdp(r.packet.message, r.packet.ipv6)).toBeUndefined();
  });
});
