import { arpAnnounceMayUseOtherAddresses, arpIgnoreAnswersForOtherInterfaces, checkStrictArp, verdictKey, type StrictArpInput } from './check.js';

const input = (o: Partial<StrictArpInput> & { allIgnore?: number; allAnnounce?: number } = {}): StrictArpInput => ({
  interfaces: o.interfaces ?? ['lo', 'eth0', 'kube-ipvs0'],
  announcing: o.announcing ?? ['eth0'],
  all: o.all ?? { arpIgnore: o.allIgnore ?? 0, arpAnnounce: o.allAnnounce ?? 0 },
  perInterface: o.perInterface ?? new Map(),
});

describe('checkStrictArp', () => {
  test('no kube-ipvs0 (iptables or nftables mode): nothing to say, whatever the sysctls', () => {
    expect(checkStrictArp(input({ interfaces: ['lo', 'eth0'] }))).toEqual({ kind: 'notIpvs' });
  });

  test.each([
    // [all arp_ignore, all arp_announce, eth0 arp_ignore, eth0 arp_announce, problems]
    [0, 0, 0, 0, ['answersForEveryVip', 'announcesVipsAsSource']], // kube-proxy's strictARP: false
    [1, 2, 0, 0, []], // strictARP: true
    [0, 0, 1, 2, []], // set per interface instead: the kernel takes the larger value
    [2, 2, 0, 0, []],
    [8, 2, 0, 0, []],
    [3, 2, 0, 0, ['answersForEveryVip']], // 3 only refuses scope-host addresses
    [5, 2, 0, 0, ['answersForEveryVip']], // reserved: treated as 0
    [1, 0, 0, 1, ['announcesVipsAsSource']],
    [1, 1, 0, 0, ['announcesVipsAsSource']],
    [1, 3, 0, 0, ['announcesVipsAsSource']], // above 2: treated as 0
    [9, 2, 0, 0, ['answersForEveryVip']], // above 8: treated as 0
  ])('all arp_ignore=%i arp_announce=%i, eth0 %i/%i: %j', (ai, aa, ei, ea, problems) => {
    const v = checkStrictArp(input({ allIgnore: ai, allAnnounce: aa, perInterface: new Map([['eth0', { arpIgnore: ei, arpAnnounce: ea }]]) }));
    if (problems.length === 0) expect(v).toEqual({ kind: 'strict' });
    else {
      expect(v.kind).toBe('loose');
      if (v.kind !== 'loose') return;
      expect(v.interfaces).toEqual([{ name: 'eth0', arpIgnore: Math.max(ai, ei), arpAnnounce: Math.max(aa, ea), problems }]);
    }
  });

  test('the message names the interface, the effective values and both sysctls strictARP sets', () => {
    const v = checkStrictArp(input());
    expect(v.kind).toBe('loose');
    if (v.kind !== 'loose') return;
    expect(v.message).toContain('eth0: arp_ignore=0 arp_announce=0');
    expect(v.message).toContain('answers ARP for every LoadBalancer IP');
    expect(v.message).toContain('net.ipv4.conf.all.arp_ignore=1');
    expect(v.message).toContain('net.ipv4.conf.all.arp_announce=2');
  });

  test('only announcing interfaces count; each is judged on its own values; kube-ipvs0 itself never counts', () => {
    const v = checkStrictArp(input({
      allIgnore: 0, allAnnounce: 2,
      announcing: ['eth1', 'eth0', 'kube-ipvs0', 'eth0'],
      perInterface: new Map([['eth0', { arpIgnore: 1, arpAnnounce: 0 }], ['eth1', { arpIgnore: 0, arpAnnounce: 0 }], ['eth2', { arpIgnore: 0, arpAnnounce: 0 }]]),
    }));
    expect(v.kind === 'loose' && v.interfaces.map((i) => i.name)).toEqual(['eth1']);
  });

  test('an announcing interface with no sysctl entry counts as 0', () => {
    const v = checkStrictArp(input({ allIgnore: 0, allAnnounce: 2, announcing: ['bond0'] }));
    expect(v.kind === 'loose' && v.interfaces[0]).toEqual({ name: 'bond0', arpIgnore: 0, arpAnnounce: 2, problems: ['answersForEveryVip'] });
  });

  test('no announcing interfaces: nothing goes out, nothing to say', () => {
    expect(checkStrictArp(input({ announcing: [] }))).toEqual({ kind: 'strict' });
  });

  test('arp_ignore: only 1, 2 and 8 refuse to answer for another interface\'s address', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((v) => !arpIgnoreAnswersForOtherInterfaces(v))).toEqual([1, 2, 8]);
  });

  test('arp_announce: only 2 keeps other interfaces\' addresses out of our ARP requests', () => {
    expect([0, 1, 2, 3, 4].filter((v) => !arpAnnounceMayUseOtherAddresses(v))).toEqual([2]);
  });

  test('verdictKey changes exactly when what the operator is told changes', () => {
    const loose = checkStrictArp(input());
    expect(verdictKey(loose)).toBe(verdictKey(checkStrictArp(input())));
    expect(verdictKey(loose)).not.toBe(verdictKey(checkStrictArp(input({ allIgnore: 1 }))));
    expect(verdictKey(checkStrictArp(input({ allIgnore: 1, allAnnounce: 2 })))).toBe('strict');
    expect(verdictKey(checkStrictArp(input({ interfaces: [] })))).toBe('notIpvs');
  });
});
