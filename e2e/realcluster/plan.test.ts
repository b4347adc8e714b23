import { kubeletConfig, kubeProxyConfig, cniConfig, containerdConfig } from './configs.js';
import { capNames, parseStatus, rootReadOnly } from './container-procs.js';
import { planRun, podRoutes, RUN_PREFIX } from './plan.js';

const endpoints = [1, 2, 3].map((i) => ({ name: `node${i}`, ns: `l2lb-abcd12-n${i}`, ipv4: `192.0.2.${i}`, ipv6: `2001:db8::${i}` }));

describe('planRun', () => {
  const plan = planRun('abcd12', '/tmp/l2lb-rc-abcd12-x', endpoints);

  test('every machine-wide name carries the run id, so runs and sweeps never touch each other', () => {
    for (const n of plan.nodes) {
      expect(n.cgroupRoot).toBe(`/${RUN_PREFIX}abcd12-${n.name}`);
      expect(n.runDir).toBe(`/run/${RUN_PREFIX}abcd12-${n.name}`);
      expect(n.cniNetwork).toBe(`${RUN_PREFIX}abcd12-${n.name}`);
      expect(n.dir.startsWith('/tmp/l2lb-rc-abcd12-x/')).toBe(true);
    }
  });

  test('unix socket paths stay under the kernel limit of 108 bytes', () => {
    for (const n of plan.nodes) expect(Buffer.byteLength(`${n.socket}.ttrpc`)).toBeLessThan(108);
  });

  test('pod ranges are distinct per node, in both families', () => {
    expect(new Set(plan.nodes.map((n) => n.podCidrV4)).size).toBe(3);
    expect(new Set(plan.nodes.map((n) => n.podCidrV6)).size).toBe(3);
    expect(plan.nodes[1]!.podCidrV4).toBe('10.244.2.0/24');
    expect(plan.nodes[1]!.podCidrV6).toBe('fd00:10:244:2::/80');
  });

  test('podRoutes: each other node\'s pod ranges via that node, none to itself', () => {
    expect(podRoutes(plan.nodes[0]!, plan.nodes)).toEqual([
      ['ip', 'route', 'replace', '10.244.2.0/24', 'via', '192.0.2.2'],
      ['ip', '-6', 'route', 'replace', 'fd00:10:244:2::/80', 'via', '2001:db8::2'],
      ['ip', 'route', 'replace', '10.244.3.0/24', 'via', '192.0.2.3'],
      ['ip', '-6', 'route', 'replace', 'fd00:10:244:3::/80', 'via', '2001:db8::3'],
    ]);
  });

  test('rejects indexes outside 1..250', () => {
    expect(() => planRun('abcd12', '/tmp/x', new Array(251).fill(endpoints[0]))).toThrow(RangeError);
  });
});

describe('node configs', () => {
  const n = planRun('abcd12', '/tmp/x', endpoints).nodes[0]!;

  test('containerd: own root, state and socket; oom_score_adj clamped (no CAP_SYS_RESOURCE)', () => {
    const t = containerdConfig(n);
    expect(t).toContain(`address = "${n.socket}"`);
    expect(t).toContain(`state = "${n.runDir}/containerd"`);
    expect(t).toContain('restrict_oom_score_adj = true');
  });

  test('CNI: both pod ranges, the run-specific network name', () => {
    const c = JSON.parse(cniConfig(n)) as { name: string; plugins: { ipam?: { ranges: { subnet: string }[][] } }[] };
    expect(c.name).toBe(n.cniNetwork);
    expect(c.plugins[0]!.ipam!.ranges.flat().map((r) => r.subnet)).toEqual([n.podCidrV4, n.podCidrV6]);
  });

  test('kubelet: its own cgroup root and runtime socket, cgroup v1 allowed', () => {
    const t = kubeletConfig(n, { caFile: '/ca.crt' });
    expect(t).toContain(`cgroupRoot: ${n.cgroupRoot}`);
    expect(t).toContain(`containerRuntimeEndpoint: unix://${n.socket}`);
    expect(t).toContain('failCgroupV1: false');
  });

  test.each([
    ['iptables', false, 'strictARP: false'],
    ['ipvs', true, 'strictARP: true'],
  ] as const)('kube-proxy mode %s strictARP %s', (mode, strict, want) => {
    const t = kubeProxyConfig(n, { kubeconfig: '/k', mode, strictArp: strict });
    expect(t).toContain(`mode: ${mode}`);
    expect(t).toContain(want);
  });
});

describe('/proc readers', () => {
  test('parseStatus reads the real uid and CapEff', () => {
    expect(parseStatus('Name:\tnode\nUid:\t65532\t65532\t65532\t65532\nCapEff:\t0000000000002000\n')).toEqual({ uid: 65532, capEff: 0x2000n });
    expect(() => parseStatus('Name: x\n')).toThrow();
  });

  test('capNames names known bits and shows the rest in hex', () => {
    expect(capNames(0x2000n)).toEqual(['NET_RAW']);
    expect(capNames(0x3001n)).toEqual(['NET_ADMIN', 'NET_RAW', '0x1']);
  });

  test('rootReadOnly looks at the last mount of /', () => {
    const rw = '22 1 0:30 / / rw,relatime - overlay overlay rw';
    const ro = '23 22 0:30 / / ro,relatime - overlay overlay rw';
    expect(rootReadOnly(rw)).toBe(false);
    expect(rootReadOnly(`${rw}\n${ro}`)).toBe(true);
    expect(rootReadOnly('24 22 0:31 / /tmp ro - tmpfs tmpfs rw')).toBe(false);
  });
});
