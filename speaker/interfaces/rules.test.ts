import { DEFAULT_EXCLUDES, matchesPattern, selectInterfaces, skipReason, type RawInterface, type SkipReason } from './rules.js';

const eth = (over: Partial<RawInterface> = {}): RawInterface => ({
  name: 'eth0',
  ifindex: 2,
  mac: '02:1b:00:00:00:01',
  flags: 0x1003, // UP | BROADCAST | MULTICAST
  type: 1,
  operstate: 'up',
  ipv6LinkLocal: true,
  ...over,
});

describe('interface skip rules', () => {
  test.each<[string, Partial<RawInterface>, SkipReason | undefined]>([
    ['plain Ethernet, up', {}, undefined],
    ['operstate unknown (no carrier reporting) counts as up', { operstate: 'unknown' }, undefined],
    ['administratively down', { flags: 0x1002, operstate: 'down' }, 'down'],
    ['up but no carrier', { operstate: 'lowerlayerdown' }, 'down'],
    ['operstate down', { operstate: 'down' }, 'down'],
    ['dormant', { operstate: 'dormant' }, 'down'],
    ['bridge port', { master: 'br0', masterKind: 'bridge' }, 'enslaved'],
    ['bond slave', { master: 'bond0', masterKind: 'bond' }, 'enslaved'],
    ['master of unknown kind', { master: 'team0' }, 'enslaved'],
    ['VRF member is usable', { master: 'blue', masterKind: 'vrf' }, undefined],
    ['NOARP', { flags: 0x1083 }, 'noarp'],
    ['loopback type', { name: 'lo0x', type: 772 }, 'notEthernet'],
    ['IP tunnel type', { name: 'gre1', type: 778 }, 'notEthernet'],
    ['WireGuard (none type)', { name: 'wg0', type: 65534 }, 'notEthernet'],
    ['all-zero MAC', { mac: '00:00:00:00:00:00' }, 'noMac'],
    ['empty MAC', { mac: '' }, 'noMac'],
    ['lo', { name: 'lo', type: 772 }, 'excluded'],
    ['docker0', { name: 'docker0' }, 'excluded'],
    ['cni0', { name: 'cni0' }, 'excluded'],
    ['veth pair', { name: 'veth1a2b3c' }, 'excluded'],
    ['calico', { name: 'cali12345' }, 'excluded'],
    ['flannel', { name: 'flannel.1' }, 'excluded'],
    ['kube-ipvs0', { name: 'kube-ipvs0' }, 'excluded'],
    ['cilium host', { name: 'cilium_host' }, 'excluded'],
    ['cilium pod veth', { name: 'lxc1234' }, 'excluded'],
    ['vxlan', { name: 'vxlan.calico' }, 'excluded'],
    ['tunl0', { name: 'tunl0' }, 'excluded'],
    ['weave', { name: 'weave' }, 'excluded'],
    ['kube-bridge', { name: 'kube-bridge' }, 'excluded'],
    ['nodelocaldns', { name: 'nodelocaldns' }, 'excluded'],
    ['OpenShift br-ex is not excluded', { name: 'br-ex' }, undefined],
    ['a name that merely starts with lo', { name: 'lomond0' }, undefined],
    ['bond master itself is usable', { name: 'bond0' }, undefined],
  ])('%s', (_name, over, want) => {
    expect(skipReason(eth(over))).toBe(want);
  });

  test.each<[string[], string, SkipReason | undefined]>([
    [[], 'eth0', undefined],
    [['eth0'], 'eth0', undefined],
    [['eth1'], 'eth0', 'notInAllowList'],
    [['eth'], 'eth0', 'notInAllowList'], // exact names, as MetalLB
    [['docker0'], 'docker0', 'excluded'], // the allow list narrows, it never widens
  ])('allow list %j, interface %s', (allow, name, want) => {
    expect(skipReason(eth({ name }), { allow })).toBe(want);
  });

  test('a custom exclude list replaces the default', () => {
    expect(skipReason(eth({ name: 'docker0' }), { exclude: [] })).toBeUndefined();
    expect(skipReason(eth({ name: 'eth0' }), { exclude: ['eth*'] })).toBe('excluded');
  });

  test.each([
    ['docker0', 'docker*', true],
    ['docker', 'docker*', true],
    ['dock', 'docker*', false],
    ['lo', 'lo', true],
    ['lo1', 'lo', false],
  ])('%s matches %s: %s', (name, pattern, want) => {
    expect(matchesPattern(name, pattern)).toBe(want);
  });

  test('the default excludes never exclude common NIC names', () => {
    for (const nic of ['eth0', 'ens3', 'enp0s31f6', 'eno1', 'bond0', 'br0', 'br-ex', 'team0', 'vlan100', 'eth0.100'])
      expect(DEFAULT_EXCLUDES.some((p) => matchesPattern(nic, p))).toBe(false);
  });

  test('selection: usable ones by ifindex, with reasons for the rest', () => {
    const sel = selectInterfaces([
      eth({ name: 'eth1', ifindex: 3, mac: '02:1B:00:00:00:02', ipv6LinkLocal: false }),
      eth({ name: 'lo', ifindex: 1, type: 772, mac: '00:00:00:00:00:00' }),
      eth(),
    ]);
    expect(sel.usable).toEqual([
      { name: 'eth0', ifindex: 2, mac: '02:1b:00:00:00:01', hasIpv6LinkLocal: true },
      { name: 'eth1', ifindex: 3, mac: '02:1b:00:00:00:02', hasIpv6LinkLocal: false },
    ]);
    expect(sel.skipped).toEqual([{ name: 'lo', reason: 'excluded' }]);
  });
});
