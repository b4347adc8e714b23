import { bpfArpFilter, bpfEthertypeFilter, bpfNeighborSolicitationFilter, runBpf, validateBpf } from './bpf.js';

function frame(ethertype: number, payload: number[] = []): Uint8Array {
  const f = new Uint8Array(60);
  f.fill(0xff, 0, 6);
  f.set([0x02, 0x1b, 0, 0, 0, 0x64], 6);
  f[12] = ethertype >> 8;
  f[13] = ethertype & 0xff;
  f.set(payload, 14);
  return f;
}
// htype 1, ptype 0x0800, hlen 6, plen 4, opcode
const arp = (op: number, overrides: Partial<Record<number, number>> = {}): Uint8Array => {
  const p = [0, 1, 0x08, 0x00, 6, 4, 0, op];
  for (const [i, v] of Object.entries(overrides)) p[Number(i)] = v!;
  return frame(0x0806, p);
};

describe('BPF builders', () => {
  test.each([
    ['ARP request', arp(1), true, true],
    ['ARP reply', arp(2), true, false],
    ['IPv4', frame(0x0800), false, false],
    ['ARP with htype 6', arp(1, { 1: 6 }), false, false],
    ['ARP for IPv6 ptype', arp(1, { 2: 0x86, 3: 0xdd }), false, false],
    ['ARP with hlen 8', arp(1, { 4: 8 }), false, false],
    ['truncated ARP', frame(0x0806).subarray(0, 16), false, false],
  ])('%s: arp %s, arp requests %s', (_name, f, anyArp, requests) => {
    expect(runBpf(bpfArpFilter(), f) > 0).toBe(anyArp);
    expect(runBpf(bpfArpFilter({ requestsOnly: true }), f) > 0).toBe(requests);
  });

  test('ethertype filter', () => {
    expect(runBpf(bpfEthertypeFilter(0x0800), frame(0x0800))).toBe(60);
    expect(runBpf(bpfEthertypeFilter(0x0800), frame(0x0806))).toBe(0);
  });

  test('neighbor solicitation filter', () => {
    const ns = frame(0x86dd);
    ns[20] = 58;
    ns[54] = 135;
    expect(runBpf(bpfNeighborSolicitationFilter(), ns)).toBe(60);
    ns[54] = 136;
    expect(runBpf(bpfNeighborSolicitationFilter(), ns)).toBe(0);
    ns[54] = 135;
    ns[20] = 17;
    expect(runBpf(bpfNeighborSolicitationFilter(), ns)).toBe(0);
  });

  test('every jump stays inside the program', () => {
    for (const prog of [bpfArpFilter(), bpfArpFilter({ requestsOnly: true }), bpfEthertypeFilter(1), bpfNeighborSolicitationFilter()]) {
      validateBpf(prog);
      prog.forEach(([code, jt, jf], pc) => {
        if (code !== 0x15) return;
        expect(pc + 1 + jt).toBeLessThan(prog.length);
        expect(pc + 1 + jf).toBeLessThan(prog.length);
      });
    }
  });

  test('malformed programs are refused', () => {
    expect(() => validateBpf([])).toThrow(RangeError);
    expect(() => validateBpf([[0x06, 0, 0, -1]])).toThrow(RangeError);
    expect(() => validateBpf([[0x10000, 0, 0, 0]])).toThrow(RangeError);
    expect(() => validateBpf([[0x06, 256, 0, 0]])).toThrow(RangeError);
  });
});
