import { macsOnDevice, nodeIpv4s, parseArpTable } from './neighbours.js';

const TABLE = `IP address       HW type     Flags       HW address            Mask     Device
10.0.0.2         0x1         0x2         02:AA:00:00:00:02     *        eth0
10.0.0.3         0x1         0x0         00:00:00:00:00:00     *        eth0
10.0.0.4         0x1         0x6         02:aa:00:00:00:04     *        eth0
10.0.0.2         0x1         0x2         02:bb:00:00:00:02     *        eth1
garbage
`;

describe('parseArpTable', () => {
  it('keeps complete entries, lower-cases MACs, skips incomplete and malformed lines', () => {
    expect(parseArpTable(TABLE)).toEqual([
      { ip: '10.0.0.2', mac: '02:aa:00:00:00:02', device: 'eth0' },
      { ip: '10.0.0.4', mac: '02:aa:00:00:00:04', device: 'eth0' },
      { ip: '10.0.0.2', mac: '02:bb:00:00:00:02', device: 'eth1' },
    ]);
    expect(parseArpTable('')).toEqual([]);
  });
});

describe('macsOnDevice', () => {
  it('resolves each node by the first of its addresses known on that device', () => {
    const nodes = new Map([['n2', ['10.0.0.9', '10.0.0.2']], ['n3', ['10.0.0.3']], ['n4', ['10.0.0.4']]]);
    expect(macsOnDevice('eth0', nodes, parseArpTable(TABLE))).toEqual(new Map([['n2', '02:aa:00:00:00:02'], ['n4', '02:aa:00:00:00:04']]));
    expect(macsOnDevice('eth1', nodes, parseArpTable(TABLE))).toEqual(new Map([['n2', '02:bb:00:00:00:02']]));
  });
});

describe('nodeIpv4s', () => {
  it('InternalIPs of family 4 only', () => {
    const node = { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'InternalIP', address: 'fd00::2' }, { type: 'Hostname', address: 'n2' }, { type: 'ExternalIP', address: '203.0.113.2' }] } };
    expect(nodeIpv4s(node)).toEqual(['10.0.0.2']);
    expect(nodeIpv4s({})).toEqual([]);
  });
});
