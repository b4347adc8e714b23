import { jest } from '@jest/globals';
import { Registry } from 'prom-client';
import { formatIp, type IpAddress } from '../../shared/ip/address.js';
import { createLogger } from '../../shared/log.js';
import { marshalArpFrame, parseArpFrame } from '../arp/packet.js';
import { parseNdpFrame } from '../ndp/frame.js';
import { ip, mac } from '../testing/fixtures.js';
import { Announcer } from './announcer.js';
import type { FrameLink, GroupMembership, InterfaceInfo, LinkFactory } from './links.js';

// Recording links: what the Announcer sends and joins, with a hook to deliver frames to it.
class RecordingLink implements FrameLink {
  sent: Uint8Array[] = [];
  closed = false;
  private cb: ((f: Uint8Array) => void) | undefined;
  onFrame(cb: (f: Uint8Array) => void): void {
    this.cb = cb;
  }
  send(frame: Uint8Array): void {
    this.sent.push(frame);
  }
  close(): void {
    this.closed = true;
  }
  deliver(frame: Uint8Array): void {
    if (!this.closed) this.cb?.(frame);
  }
}
class RecordingMembership implements GroupMembership {
  groups: string[] = [];
  join(g: IpAddress) {
    this.groups.push(`+${formatIp(g)}`);
    return { ok: true as const };
  }
  leave(g: IpAddress) {
    this.groups.push(`-${formatIp(g)}`);
    return { ok: true as const };
  }
  close(): void {}
}

const eth0: InterfaceInfo = { name: 'eth0', index: 2, mac: mac('02:00:00:00:00:01') };

function setup() {
  const links = { arp: new RecordingLink(), ndp: new RecordingLink(), membership: new RecordingMembership(), opened: 0 };
  const factory: LinkFactory = {
    openArp: () => {
      // A fresh link per open, as the real factory gives: a closed one stays closed.
      links.opened++;
      links.arp = new RecordingLink();
      return { ok: true, value: links.arp };
    },
    openNdp: () => ({ ok: true, value: links.ndp }),
    openMembership: () => ({ ok: true, value: links.membership }),
  };
  const registry = new Registry();
  const announcer = new Announcer({
    registry,
    log: createLogger('error'),
    links: factory,
    lookupInterface: (n) => (n === 'eth0' ? eth0 : undefined),
    refreshIntervalMs: 60_000,
  });
  return { links, announcer, registry };
}

const whoHas = (target: string) =>
  marshalArpFrame({
    ethernet: { destination: mac('ff:ff:ff:ff:ff:ff'), source: mac('02:00:00:00:00:0c') },
    arp: { operation: 1, senderMac: mac('02:00:00:00:00:0c'), senderIp: ip('192.0.2.100'), targetMac: mac('00:00:00:00:00:00'), targetIp: ip(target) },
  });

describe('Announcer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('takeover burst: at once, then every 1.1 s for 5 s; then the refresh', () => {
    const { links, announcer } = setup();
    expect(announcer.setOwned([{ ip: ip('192.0.2.200'), interfaceName: 'eth0' }, { ip: ip('2001:db8::200'), interfaceName: 'eth0' }]).errors).toEqual([]);
    expect(links.arp.sent.length).toBe(2); // request + reply
    expect(links.ndp.sent.length).toBe(1);
    jest.advanceTimersByTime(1_099);
    expect(links.arp.sent.length).toBe(2);
    jest.advanceTimersByTime(1);
    expect(links.arp.sent.length).toBe(4);
    jest.advanceTimersByTime(10_000);
    expect(links.arp.sent.length).toBe(10); // 5 rounds
    expect(links.ndp.sent.length).toBe(5);
    const na = parseNdpFrame(links.ndp.sent[0]!);
    expect(na.ok && na.packet.message).toMatchObject({ type: 136, override: true, solicited: false });
    jest.advanceTimersByTime(60_000 - 11_100);
    expect(links.arp.sent.length).toBe(12);
    expect(links.ndp.sent.length).toBe(6);
    announcer.close();
  });

  test('answers requests for owned VIPs only, and stops at once when the VIP is lost', async () => {
    const { links, announcer, registry } = setup();
    announcer.setOwned([{ ip: ip('192.0.2.200'), interfaceName: 'eth0' }]);
    links.arp.sent = [];
    links.arp.deliver(whoHas('192.0.2.200'));
    links.arp.deliver(whoHas('192.0.2.201'));
    expect(links.arp.sent.length).toBe(1);
    const reply = parseArpFrame(links.arp.sent[0]!);
    expect(reply.ok && reply.packet.arp.senderMac).toEqual(eth0.mac);

    // Lose .200 while the interface stays in use for .202: the very next request goes unanswered.
    announcer.setOwned([{ ip: ip('192.0.2.202'), interfaceName: 'eth0' }]);
    links.arp.sent = [];
    links.arp.deliver(whoHas('192.0.2.200'));
    expect(links.arp.sent.length).toBe(0);
    jest.advanceTimersByTime(10_000);
    const senders = links.arp.sent.map((f) => {
      const r = parseArpFrame(f);
      return r.ok ? formatIp(r.packet.arp.senderIp) : 'unparsable';
    });
    expect(new Set(senders)).toEqual(new Set(['192.0.2.202'])); // only .202's burst continues
    announcer.setOwned([]);
    expect(links.arp.closed).toBe(true);

    const text = await registry.metrics();
    expect(text).toContain('metallb_layer2_requests_received{ip="192.0.2.200",interface="eth0",protocol="arp"} 1');
    expect(text).toContain('metallb_layer2_responses_sent{ip="192.0.2.200",interface="eth0",protocol="arp"} 1');
    expect(text).toContain('metallb_layer2_gratuitous_sent{ip="192.0.2.200",interface="eth0",protocol="arp"} 2');
    expect(text).toContain('l2lb_packets_dropped_total{reason="not-owned",interface="eth0",protocol="arp"} 2');
    // Counts reach prom-client as deltas on scrape: scraping again changes nothing.
    expect(await registry.metrics()).toBe(text);
    announcer.close();
  });

  test('solicited-node groups are joined per VIP with a reference count', () => {
    const { links, announcer } = setup();
    const a = { ip: ip('2001:db8::1:200'), interfaceName: 'eth0' };
    const b = { ip: ip('2001:db9::1:200'), interfaceName: 'eth0' };
    const c = { ip: ip('192.0.2.200'), interfaceName: 'eth0' };
    announcer.setOwned([a, b, c]);
    announcer.setOwned([b, c]);
    announcer.setOwned([c]);
    expect(links.membership.groups).toEqual(['+ff02::1:ff01:200', '-ff02::1:ff01:200']);
    announcer.close();
  });

  test('an interface re-created with a new MAC is reopened and announced again from it', () => {
    let current: InterfaceInfo = eth0;
    const opened: RecordingLink[] = [];
    const factory: LinkFactory = {
      openArp: () => {
        const l = new RecordingLink();
        opened.push(l);
        return { ok: true, value: l };
      },
      openNdp: () => ({ ok: true, value: new RecordingLink() }),
      openMembership: () => ({ ok: true, value: new RecordingMembership() }),
    };
    const announcer = new Announcer({ registry: new Registry(), log: createLogger('error'), links: factory, lookupInterface: () => current });
    announcer.setOwned([{ ip: ip('192.0.2.200'), interfaceName: 'eth0' }]);
    expect(announcer.interfacesChanged().errors).toEqual([]);
    expect(opened.length).toBe(1); // unchanged: nothing reopened
    current = { name: 'eth0', index: 7, mac: mac('02:00:00:00:00:07') };
    announcer.interfacesChanged();
    expect(opened.length).toBe(2);
    expect(opened[0]!.closed).toBe(true);
    const g = parseArpFrame(opened[1]!.sent[0]!);
    expect(g.ok && g.packet.arp.senderMac).toEqual(mac('02:00:00:00:00:07'));
    announcer.close();
  });

  test('standby: sockets open before any takeover and stay open without owned pairs; leaving standby closes them', () => {
    const { links, announcer } = setup();
    expect(announcer.setStandby(['eth0']).errors).toEqual([]);
    expect(links.opened).toBe(1);
    const standbyLink = links.arp;
    // Owning nothing, it answers nothing.
    standbyLink.deliver(whoHas('192.0.2.200'));
    expect(standbyLink.sent).toEqual([]);
    // A takeover uses the open sockets and announces at once.
    announcer.setOwned([{ ip: ip('192.0.2.200'), interfaceName: 'eth0' }]);
    expect(links.opened).toBe(1);
    expect(standbyLink.sent.length).toBe(2);
    // Losing the last pair keeps the sockets; answers stop.
    announcer.setOwned([]);
    expect(standbyLink.closed).toBe(false);
    standbyLink.sent = [];
    standbyLink.deliver(whoHas('192.0.2.200'));
    expect(standbyLink.sent).toEqual([]);
    // Out of standby with nothing owned: closed.
    announcer.setStandby([]);
    expect(standbyLink.closed).toBe(true);
    announcer.close();
  });

  test('standby: an owned interface left out of standby stays open until its last pair goes', () => {
    const { links, announcer } = setup();
    announcer.setStandby(['eth0']);
    announcer.setOwned([{ ip: ip('192.0.2.200'), interfaceName: 'eth0' }]);
    announcer.setStandby([]);
    expect(links.arp.closed).toBe(false);
    announcer.setOwned([]);
    expect(links.arp.closed).toBe(true);
    announcer.close();
  });

  test('standby: an unknown interface is reported; close() closes standby sockets too', () => {
    const { links, announcer } = setup();
    expect(announcer.setStandby(['eth0', 'nope0']).errors).toEqual(['interface nope0 not found']);
    announcer.close();
    expect(links.arp.closed).toBe(true);
    expect(announcer.setStandby(['eth0']).errors).toEqual(['announcer is closed']);
  });

  test('an unknown interface is reported, other pairs still work', () => {
    const { links, announcer } = setup();
    const r = announcer.setOwned([{ ip: ip('192.0.2.200'), interfaceName: 'nope0' }, { ip: ip('192.0.2.201'), interfaceName: 'eth0' }]);
    expect(r.errors).toEqual(['interface nope0 not found']);
    links.arp.sent = [];
    links.arp.deliver(whoHas('192.0.2.201'));
    expect(links.arp.sent.length).toBe(1);
    announcer.close();
  });
});
