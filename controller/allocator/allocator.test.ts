import { parseIp, type IpAddress } from '../../shared/ip/address.js';
import { validatePools } from '../../shared/api/validate.js';
import { Allocator, statusCount, type AllocResult } from './allocator.js';
import { makePools, makeService as svc, texts } from './testing.js';

const ip = (t: string): IpAddress => {
  const p = parseIp(t);
  if (!p.ok) throw new Error(p.error);
  return p.value;
};
const got = (r: AllocResult): string[] => {
  if (!r.ok) throw new Error(`expected success, got: ${r.reason}`);
  return texts(r.ips);
};
const reason = (r: AllocResult): string => {
  if (r.ok) throw new Error(`expected failure, got ${texts(r.ips).join(',')}`);
  return r.reason;
};

describe('families', () => {
  const a = () =>
    new Allocator(makePools({ p: { addresses: ['10.0.0.1-10.0.0.3', '2001:db8::1-2001:db8::3'] }, v4only: { addresses: ['10.1.0.1/32'], autoAssign: false } }));

  it('IPv4, IPv6 and dual stack from one pool, lowest first, IPv4 first in status', () => {
    const al = a();
    expect(got(al.assign(svc('a')))).toEqual(['10.0.0.1']);
    expect(got(al.assign(svc('b', { family: 'v6' })))).toEqual(['2001:db8::1']);
    expect(got(al.assign(svc('c', { family: 'dual' })))).toEqual(['10.0.0.2', '2001:db8::2']);
    expect(got(al.assign(svc('d', { family: 'dual6' })))).toEqual(['10.0.0.3', '2001:db8::3']);
  });

  it('RequireDualStack fails when no pool has both families free', () => {
    const al = new Allocator(makePools({ v4: { addresses: ['10.0.0.1/32'] }, v6: { addresses: ['2001:db8::/64'] } }));
    expect(reason(al.assign(svc('a', { family: 'dual' })))).toBe(
      'no available IPs: the pools this service may use have no free IPv4+IPv6 (RequireDualStack) addresses (tried "v4", "v6")',
    );
  });

  it('PreferDualStack takes what is there, primary family (ipFamilies[0]) first', () => {
    const pools = makePools({ a4: { addresses: ['10.0.0.1/32'] }, b6: { addresses: ['2001:db8::/64'] } });
    const prefer = (name: string, family: 'dual' | 'dual6') => svc(name, { family, spec: { ipFamilyPolicy: 'PreferDualStack' } });
    expect(got(new Allocator(pools).assign(prefer('x', 'dual')))).toEqual(['10.0.0.1']);
    expect(got(new Allocator(pools).assign(prefer('x', 'dual6')))).toEqual(['2001:db8::']);
  });

  it('PreferDualStack later gets the missing family from the same pool', () => {
    const al = new Allocator(makePools({ p: { addresses: ['10.0.0.1/32'] } }));
    const s = svc('x', { family: 'dual', spec: { ipFamilyPolicy: 'PreferDualStack' } });
    expect(got(al.assign(s))).toEqual(['10.0.0.1']);
    expect(reason(al.assignAdditionalFamily(s))).toBe('no available IPs in pool "p" for ipv6 IPFamily');
    al.setPools(makePools({ p: { addresses: ['10.0.0.1/32', '2001:db8::5/128'] } }));
    expect(got(al.assignAdditionalFamily(s))).toEqual(['10.0.0.1', '2001:db8::5']);
  });

  it('a service without clusterIPs cannot be placed', () => {
    const s = svc('x', { spec: { clusterIPs: [], clusterIP: '' } });
    expect(reason(a().assign(s))).toBe('cannot determine the IP family of the service from clusterIPs []');
  });
});

describe('requested IPs', () => {
  const pools = () =>
    makePools({
      auto: { addresses: ['10.0.0.0/24', '2001:db8::/64'] },
      manual: { addresses: ['10.0.1.0/24'], autoAssign: false },
      other: { addresses: ['2001:db8:1::/64'] },
      buggy: { addresses: ['10.0.2.0/24'], avoidBuggyIPs: true },
    });

  it.each<[string, Parameters<typeof svc>[1], string[]]>([
    ['annotation', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.7' } }, ['10.0.0.7']],
    ['spec.loadBalancerIP', { spec: { loadBalancerIP: '10.0.0.8' } }, ['10.0.0.8']],
    ['autoAssign false is ignored for a request', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.1.9' } }, ['10.0.1.9']],
    ['dual stack pair with spaces', { family: 'dual', annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.9, 2001:db8::9' } }, ['10.0.0.9', '2001:db8::9']],
    ['deprecated spelling', { annotations: { 'metallb.universe.tf/loadBalancerIPs': '10.0.0.10' } }, ['10.0.0.10']],
    ['address-pool agreeing', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.1.4', 'metallb.io/address-pool': 'manual' } }, ['10.0.1.4']],
  ])('%s', (_n, o, want) => {
    expect(got(new Allocator(pools()).assign(svc('s', o)))).toEqual(want);
  });

  it.each<[string, Parameters<typeof svc>[1], string]>([
    ['outside every pool', { annotations: { 'metallb.io/loadBalancerIPs': '192.168.9.9' } }, '["192.168.9.9"] is not allowed in config: no address pool contains 192.168.9.9'],
    ['wrong family', { annotations: { 'metallb.io/loadBalancerIPs': '2001:db8::7' } }, 'requested loadBalancer IP(s) ["2001:db8::7"] does not match the ipFamily of the service'],
    ['single IP for a dual-stack service', { family: 'dual', annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.7' } }, 'requested loadBalancer IP(s) ["10.0.0.7"] does not match the ipFamily of the service'],
    ['two of one family', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.7,10.0.0.8' } }, 'invalid metallb.io/loadBalancerIPs: "10.0.0.7,10.0.0.8": at most one IP per family, got two IPv4 addresses'],
    ['three IPs', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.7,2001:db8::1,10.0.0.8' } }, 'invalid metallb.io/loadBalancerIPs: "10.0.0.7,2001:db8::1,10.0.0.8": at most two IPs, one IPv4 and one IPv6'],
    ['not an IP', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.300' } }, 'invalid metallb.io/loadBalancerIPs: "10.0.0.300"'],
    ['bad spec.loadBalancerIP', { spec: { loadBalancerIP: 'x' } }, 'invalid spec.loadBalancerIP "x"'],
    ['both annotation and spec', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.7' }, spec: { loadBalancerIP: '10.0.0.7' } }, 'service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP'],
    ['address-pool disagreeing', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.7', 'metallb.io/address-pool': 'manual' } }, 'requested loadBalancer IP(s) ["10.0.0.7"] is not compatible with requested address pool manual (they belong to pool auto)'],
    ['pair split across pools', { family: 'dual', annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.7,2001:db8:1::7' } }, '["10.0.0.7" "2001:db8:1::7"] is not allowed in config: the addresses belong to different pools ("auto", "other"); both must come from one pool'],
    ['.0 in an avoidBuggyIPs pool', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.2.0' } }, '["10.0.2.0"] is not allowed in config: 10.0.2.0 ends in .0 or .255 and pool "buggy" has avoidBuggyIPs'],
  ])('%s', (_n, o, want) => {
    const al = new Allocator(pools());
    expect(reason(al.assign(svc('s', o)))).toBe(want);
    expect(al.get('default/s')).toBeUndefined();
  });

  it('a request for a different IP replaces the current one', () => {
    const al = new Allocator(pools());
    expect(got(al.assign(svc('s')))).toEqual(['10.0.0.0']);
    expect(got(al.assign(svc('s', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.50' } })))).toEqual(['10.0.0.50']);
    expect(al.usersOf(ip('10.0.0.0')).size).toBe(0);
  });
});

describe('address-pool annotation and autoAssign', () => {
  const pools = () => makePools({ a: { addresses: ['10.0.0.1/32'] }, m: { addresses: ['10.0.1.1-10.0.1.2'], autoAssign: false } });

  it('names a pool, autoAssign false included', () => {
    const al = new Allocator(pools());
    expect(got(al.assign(svc('x', { annotations: { 'metallb.io/address-pool': 'm' } })))).toEqual(['10.0.1.1']);
    expect(got(al.assign(svc('y', { annotations: { 'metallb.universe.tf/address-pool': 'm' } })))).toEqual(['10.0.1.2']);
  });

  it('autoAssign false pools are never used automatically', () => {
    const al = new Allocator(pools());
    expect(got(al.assign(svc('x')))).toEqual(['10.0.0.1']);
    expect(reason(al.assign(svc('y')))).toBe('no available IPs: the pools this service may use have no free IPv4 addresses (tried "a")');
    const only = new Allocator(makePools({ m: { addresses: ['10.0.1.0/24'], autoAssign: false } }));
    expect(reason(only.assign(svc('z')))).toMatch(/^no available IPs: no address pool with autoAssign can be used by this service/);
  });

  it('unknown, rejected and exhausted pools say so', () => {
    const al = new Allocator(pools(), [{ name: 'broken', errors: ['pool has no prefixes defined'], ranges: [] }]);
    expect(reason(al.assign(svc('x', { annotations: { 'metallb.io/address-pool': 'nope' } })))).toBe('unknown pool "nope"');
    expect(reason(al.assign(svc('x', { annotations: { 'metallb.io/address-pool': 'broken' } })))).toBe('pool "broken" is not valid: pool has no prefixes defined');
    got(al.assign(svc('x', { annotations: { 'metallb.io/address-pool': 'a' } })));
    expect(reason(al.assign(svc('y', { annotations: { 'metallb.io/address-pool': 'a' } })))).toBe('no available IPs in pool "a" for ipv4 IPFamily');
  });

  it('a requested IP inside an invalid pool names the pool and its errors', () => {
    const v = validatePools([
      { metadata: { name: 'a', creationTimestamp: '2025-01-01T00:00:00Z' }, spec: { addresses: ['10.0.0.0/24'] } },
      { metadata: { name: 'late', creationTimestamp: '2025-02-01T00:00:00Z' }, spec: { addresses: ['10.0.0.128/25', '10.9.0.0/24'] } },
    ]);
    const al = new Allocator(v.pools, v.verdicts.filter((x) => !x.valid));
    expect(reason(al.assign(svc('x', { annotations: { 'metallb.io/loadBalancerIPs': '10.9.0.5' } })))).toBe(
      '["10.9.0.5"] is not allowed in config: 10.9.0.5 is in pool "late", which is not valid: CIDR "10.0.0.128/25" in pool "late" overlaps with already defined CIDR "10.0.0.0/24" in pool "a"',
    );
  });

  it('changing the pool annotation moves the service', () => {
    const al = new Allocator(pools());
    expect(got(al.assign(svc('x')))).toEqual(['10.0.0.1']);
    expect(got(al.assign(svc('x', { annotations: { 'metallb.io/address-pool': 'm' } })))).toEqual(['10.0.1.1']);
    expect(al.get('default/x')!.pool).toBe('m');
  });
});

describe('avoidBuggyIPs', () => {
  it('skips .0 and .255, also across /24 boundaries', () => {
    const al = new Allocator(makePools({ p: { addresses: ['10.0.0.254-10.0.1.1'], avoidBuggyIPs: true } }));
    expect(got(al.assign(svc('a')))).toEqual(['10.0.0.254']);
    expect(got(al.assign(svc('b')))).toEqual(['10.0.1.1']);
    expect(al.assign(svc('c')).ok).toBe(false);
    expect(al.stats('p')).toEqual({ assignedIPv4: 2n, assignedIPv6: 0n, availableIPv4: 0n, availableIPv6: 0n });
  });

  it('a /24 starts at .1', () => {
    const al = new Allocator(makePools({ p: { addresses: ['10.0.0.0/24'], avoidBuggyIPs: true } }));
    expect(got(al.assign(svc('a')))).toEqual(['10.0.0.1']);
  });
});

describe('serviceAllocation', () => {
  const pools = () =>
    makePools(
      {
        general: { addresses: ['10.0.9.1/32'] },
        agen: { addresses: ['10.0.8.1/32'] },
        low: { addresses: ['10.0.2.1/32'], serviceAllocation: { priority: 20, namespaces: ['team'] } },
        high: { addresses: ['10.0.1.1/32'], serviceAllocation: { priority: 10, namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] } },
        noprio: { addresses: ['10.0.3.1/32'], serviceAllocation: { namespaces: ['team'] } },
        web: { addresses: ['10.0.4.1/32'], serviceAllocation: { priority: 5, serviceSelectors: [{ matchLabels: { app: 'web' } }] } },
        manualpin: { addresses: ['10.0.5.1/32'], autoAssign: false, serviceAllocation: { priority: 1, namespaces: ['team'] } },
      },
      {},
    );
  const team = (name: string, extra: Parameters<typeof svc>[1] = {}) => svc(name, { namespace: 'team', namespaceLabels: { tier: 'gold' }, ...extra });

  it('selected pools by priority, unset priority last, then general pools by name', () => {
    const al = new Allocator(pools());
    const order = ['a', 'b', 'c', 'd', 'e'].map((n) => got(al.assign(team(n)))[0]);
    expect(order).toEqual(['10.0.1.1', '10.0.2.1', '10.0.3.1', '10.0.8.1', '10.0.9.1']);
  });

  it('serviceSelectors pin by labels; other namespaces only get general pools', () => {
    const al = new Allocator(pools());
    expect(got(al.assign(svc('w', { labels: { app: 'web' } })))).toEqual(['10.0.4.1']);
    expect(got(al.assign(svc('x')))).toEqual(['10.0.8.1']);
  });

  it('a pool reserved for other namespaces refuses requests from outside', () => {
    const al = new Allocator(pools());
    expect(reason(al.assign(svc('x', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.2.1' } })))).toBe(
      'pool low not compatible for ip assignment: its serviceAllocation (namespaces, namespaceSelectors, serviceSelectors) does not select this service',
    );
    expect(got(al.assign(team('y', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.2.1' } })))).toEqual(['10.0.2.1']);
  });

  it('namespaceSelectors matching no namespace close the pool (MetalLB would open it)', () => {
    const al = new Allocator(makePools({ gold: { addresses: ['10.0.1.1/32'], serviceAllocation: { namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] } } }));
    expect(al.assign(svc('x', { annotations: { 'metallb.io/address-pool': 'gold' } })).ok).toBe(false);
  });
});

describe('sharing', () => {
  const pools = () => makePools({ p: { addresses: ['10.0.0.1-10.0.0.3'] } });
  const shared = (name: string, port: number, extra: Parameters<typeof svc>[1] = {}) =>
    svc(name, { annotations: { 'metallb.io/allow-shared-ip': 'k', ...extra.annotations }, spec: { ports: [{ port, protocol: 'TCP' }], ...extra.spec } });

  it('same key, different ports: one IP', () => {
    const al = new Allocator(pools());
    expect(got(al.assign(shared('a', 80)))).toEqual(['10.0.0.1']);
    expect(got(al.assign(shared('b', 443)))).toEqual(['10.0.0.1']);
    expect([...al.usersOf(ip('10.0.0.1'))].sort()).toEqual(['default/a', 'default/b']);
    expect(al.stats('p')!.assignedIPv4).toBe(1n);
  });

  it('a lower free address wins over a shareable one, as MetalLB walks addresses in order', () => {
    const al = new Allocator(pools());
    got(al.assign(svc('plain'))); // .1, not shareable
    got(al.assign(shared('a', 80))); // .2
    al.release('default/plain');
    expect(got(al.assign(shared('b', 443)))).toEqual(['10.0.0.1']);
  });

  it('auto assignment skips addresses it may not share', () => {
    const al = new Allocator(pools());
    got(al.assign(shared('a', 80)));
    expect(got(al.assign(shared('b', 80)))).toEqual(['10.0.0.2']);
    expect(got(al.assign(shared('c', 53, { spec: { ports: [{ port: 53, protocol: 'UDP' }] } })))).toEqual(['10.0.0.1']);
  });

  it.each<[string, Parameters<typeof svc>[1], string]>([
    ['no key on the newcomer', { annotations: { 'metallb.io/allow-shared-ip': '' }, spec: { ports: [{ port: 443 }] } }, `can't change sharing key for "default/b", address also in use by default/a: new service does not allow sharing`],
    ['different key', { annotations: { 'metallb.io/allow-shared-ip': 'other' }, spec: { ports: [{ port: 443 }] } }, `can't change sharing key for "default/b", address also in use by default/a: sharing key "other" does not match existing sharing key "k"`],
    ['overlapping port', { annotations: { 'metallb.io/allow-shared-ip': 'k' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } }, 'port TCP/80 is already in use on "10.0.0.1"'],
    ['Local next to Cluster', { annotations: { 'metallb.io/allow-shared-ip': 'k' }, spec: { ports: [{ port: 443 }], externalTrafficPolicy: 'Local', selector: { app: 'x' } } }, `can't change sharing key for "default/b", address also in use by default/a: backend key "app=x" does not match existing backend key "" (services sharing an IP must all use externalTrafficPolicy Cluster, or Local with the same selector)`],
  ])('requested shared IP refused: %s', (_n, o, want) => {
    const al = new Allocator(pools());
    got(al.assign(shared('a', 80, { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' } })));
    const b = svc('b', { ...o, annotations: { ...o!.annotations, 'metallb.io/loadBalancerIPs': '10.0.0.1' } });
    expect(reason(al.assign(b))).toBe(want);
  });

  it('an unshareable holder refuses everyone', () => {
    const al = new Allocator(pools());
    got(al.assign(svc('a', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' } })));
    expect(reason(al.assign(shared('b', 443, { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' } })))).toBe(
      `can't change sharing key for "default/b", address also in use by default/a: existing service does not allow sharing`,
    );
  });

  it('Local services share only with the same selector', () => {
    const al = new Allocator(pools());
    const local = (name: string, port: number, app: string) =>
      shared(name, port, { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' }, spec: { ports: [{ port }], externalTrafficPolicy: 'Local', selector: { app } } });
    got(al.assign(local('a', 80, 'web')));
    expect(got(al.assign(local('b', 443, 'web')))).toEqual(['10.0.0.1']);
    expect(al.assign(local('c', 8080, 'db')).ok).toBe(false);
  });

  it('the deprecated sharing annotation works and is flagged', () => {
    const al = new Allocator(pools());
    const old = (name: string, port: number) => svc(name, { annotations: { 'metallb.universe.tf/allow-shared-ip': 'k' }, spec: { ports: [{ port }] } });
    const r = al.assign(old('a', 80));
    expect(r.warnings).toEqual(['Service uses deprecated annotation metallb.universe.tf/allow-shared-ip']);
    expect(got(al.assign(old('b', 81)))).toEqual(got(r));
  });

  it('a service alone on its IP may change its sharing key', () => {
    const al = new Allocator(pools());
    got(al.assign(shared('a', 80)));
    expect(got(al.adopt(svc('a'), [ip('10.0.0.1')]))).toEqual(['10.0.0.1']);
    expect(got(al.assign(shared('b', 443)))).toEqual(['10.0.0.2']);
  });
});

describe('release, exhaustion, pool changes', () => {
  it('an exhausted pool serves again after a release', () => {
    const al = new Allocator(makePools({ p: { addresses: ['10.0.0.1/32'] } }));
    got(al.assign(svc('a')));
    expect(al.assign(svc('b')).ok).toBe(false);
    expect(al.release('default/a')).toBe(true);
    expect(al.release('default/a')).toBe(false);
    expect(got(al.assign(svc('b')))).toEqual(['10.0.0.1']);
  });

  it('setPools keeps what is still valid and releases what is not, saying why', () => {
    const al = new Allocator(
      makePools({ a: { addresses: ['10.0.0.1-10.0.0.9'] }, b: { addresses: ['10.0.1.0/24'] }, c: { addresses: ['10.0.2.0/24'] }, d: { addresses: ['10.0.3.0/24'] } }),
    );
    const ips = ['10.0.0.1', '10.0.0.9', '10.0.1.0', '10.0.2.0', '10.0.3.1'];
    ips.forEach((t, i) => got(al.assign(svc(`s${i}`, { annotations: { 'metallb.io/loadBalancerIPs': t } }))));
    const change = al.setPools(
      makePools({ a: { addresses: ['10.0.0.1-10.0.0.5'] }, b: { addresses: ['10.0.1.0/24'], avoidBuggyIPs: true }, renamed: { addresses: ['10.0.3.0/24'] } }),
      [{ name: 'c', errors: ['pool has no prefixes defined'], ranges: [] }],
    );
    expect(change.invalidated.map((x) => [x.key, x.reason])).toEqual([
      ['default/s1', '["10.0.0.9"] is not allowed in config: no address pool contains 10.0.0.9'],
      ['default/s2', '["10.0.1.0"] is not allowed in config: 10.0.1.0 ends in .0 or .255 and pool "b" has avoidBuggyIPs'],
      ['default/s3', '["10.0.2.0"] is not allowed in config: pool "c" is no longer valid: pool has no prefixes defined'],
    ]);
    expect(change.moved).toEqual([{ key: 'default/s4', from: 'd', to: 'renamed' }]);
    expect(al.get('default/s0')!.pool).toBe('a');
    expect(al.get('default/s1')).toBeUndefined();
    al.setPools([]);
    expect(al.size).toBe(0);
  });

  it('a deleted pool is named', () => {
    const al = new Allocator(makePools({ a: { addresses: ['10.0.0.1/32'] } }));
    got(al.assign(svc('x')));
    expect(al.setPools([]).invalidated[0]!.reason).toBe('["10.0.0.1"] is not allowed in config: pool "a" no longer exists');
  });
});

describe('adopt (restart safety)', () => {
  it('keeps existing addresses and never hands them out again', () => {
    const pools = makePools({ p: { addresses: ['10.0.0.1-10.0.0.3'] } });
    const al = new Allocator(pools);
    expect(got(al.adopt(svc('old'), [ip('10.0.0.2')]))).toEqual(['10.0.0.2']);
    expect(got(al.assign(svc('new1')))).toEqual(['10.0.0.1']);
    expect(got(al.assign(svc('new2')))).toEqual(['10.0.0.3']);
  });

  it('refuses addresses that are no longer valid or taken', () => {
    const al = new Allocator(makePools({ p: { addresses: ['10.0.0.1-10.0.0.3'] } }));
    got(al.adopt(svc('a'), [ip('10.0.0.1')]));
    expect(reason(al.adopt(svc('b'), [ip('10.0.0.1')]))).toBe(`can't change sharing key for "default/b", address also in use by default/a: existing service does not allow sharing`);
    expect(reason(al.adopt(svc('c'), [ip('10.9.0.1')]))).toBe('["10.9.0.1"] is not allowed in config: no address pool contains 10.9.0.1');
    expect(reason(al.adopt(svc('d', { family: 'v6' }), [ip('10.0.0.2')]))).toBe('assigned IPs ["10.0.0.2"] do not match the IP family of the service (ipv6)');
  });

  it('assign is idempotent', () => {
    const al = new Allocator(makePools({ p: { addresses: ['10.0.0.1-10.0.0.3'] } }));
    const first = got(al.assign(svc('a')));
    expect(got(al.assign(svc('a')))).toEqual(first);
    expect(al.size).toBe(1);
    expect([...al.entries()].map((a) => [a.key, a.pool, texts(a.ips)])).toEqual([['default/a', 'p', first]]);
  });
});

describe('stats', () => {
  it('counts per family, exact for huge pools, capped for the CR', () => {
    const al = new Allocator(makePools({ p: { addresses: ['10.0.0.0/16', '2001:db8::/64'], avoidBuggyIPs: true } }));
    got(al.assign(svc('a', { family: 'dual' })));
    const s = al.stats('p')!;
    expect(s).toEqual({ assignedIPv4: 1n, assignedIPv6: 1n, availableIPv4: 65536n - 512n - 1n, availableIPv6: (1n << 64n) - 1n });
    expect(statusCount(s.availableIPv6)).toBe(Number.MAX_SAFE_INTEGER);
    expect(statusCount(s.availableIPv4)).toBe(65023);
    expect(al.stats('nope')).toBeUndefined();
  });
});

describe('reservations (a status write in doubt)', () => {
  const pools = () => makePools({ p: { addresses: ['10.0.0.1-10.0.0.3'] } });
  const shared = (name: string, port: number) => svc(name, { annotations: { 'metallb.io/allow-shared-ip': 'k' }, spec: { ports: [{ port, protocol: 'TCP' }] } });

  it('keeps the address from everyone else after the Service releases it, until unreserved', () => {
    const al = new Allocator(pools());
    expect(got(al.assign(svc('a')))).toEqual(['10.0.0.1']);
    al.reserve(al.get('default/a')!);
    // The Service keeps its own address while reserved: its reconcile must not move it.
    expect(got(al.assign(svc('a')))).toEqual(['10.0.0.1']);
    al.release('default/a');
    expect(got(al.assign(svc('b')))).toEqual(['10.0.0.2']);
    expect(reason(al.assign(svc('c', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' } })))).toMatch(/default\/a \(status write in doubt\)|does not allow sharing/);
    // ... and the Service may take it back.
    expect(got(al.assign(svc('a', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' } })))).toEqual(['10.0.0.1']);
    al.release('default/a');
    expect(al.unreserve('default/a')).toBe(true);
    expect(al.unreserve('default/a')).toBe(false);
    expect(got(al.assign(svc('d')))).toEqual(['10.0.0.1']);
  });

  it('survives the pool shrinking away from the address, and keeps its ports for sharing', () => {
    const al = new Allocator(pools());
    expect(got(al.assign(shared('a', 80)))).toEqual(['10.0.0.1']);
    al.reserve(al.get('default/a')!);
    al.setPools(makePools({ p: { addresses: ['10.0.0.2-10.0.0.3'] } }));
    al.setPools(pools()); // back: the address is still held for a
    expect(reason(al.assign(svc('x', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1' } })))).toMatch(/does not allow sharing/);
    expect(reason(al.assign(svc('y', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1', 'metallb.io/allow-shared-ip': 'k' } })))).toMatch(/port TCP\/80 is already in use/);
    expect(got(al.assign(shared('z', 443)))).toEqual(['10.0.0.1']); // valid sharing with what the server may hold
  });
});
