// Classic BPF programs for PacketSocket, as [code, jt, jf, k] tuples (struct sock_filter).
// The kernel runs them before a frame is queued to the socket, so a flood of other traffic costs
// us nothing in user space. Offsets are from the start of the Ethernet header (SOCK_RAW).
import { ETHERTYPE_ARP, ETHERTYPE_IPV6 } from '../ethernet/frame.js';

export type BpfInstruction = readonly [code: number, jt: number, jf: number, k: number];

// Opcodes (linux/filter.h), named for reading.
const LD_H_ABS = 0x28; // A = u16 at k
const LD_B_ABS = 0x30; // A = u8 at k
const JEQ_K = 0x15; // if A == k goto +jt else +jf
const RET_K = 0x06; // accept k bytes (0 = drop)
const ACCEPT: BpfInstruction = [RET_K, 0, 0, 0x40000];
const DROP: BpfInstruction = [RET_K, 0, 0, 0];

export { ETHERTYPE_ARP, ETHERTYPE_IPV6 };
/** Not an ethertype on the wire: the bind protocol that receives every one. */
export const ETH_P_ALL = 0x0003;

/** A test that falls through when the field equals value and jumps to the final DROP otherwise. */
type Check = { readonly load: number; readonly offset: number; readonly value: number };

function allOf(checks: readonly Check[]): BpfInstruction[] {
  const prog: BpfInstruction[] = [];
  checks.forEach((c, i) => {
    const remaining = checks.length - i - 1; // checks after this one, two instructions each
    prog.push([c.load, 0, 0, c.offset]);
    prog.push([JEQ_K, 0, remaining * 2 + 1, c.value]); // mismatch: jump over the rest and ACCEPT, to DROP
  });
  return [...prog, ACCEPT, DROP];
}

/** Frames of one ethertype only (useful with ETH_P_ALL sockets, or as a belt to the bind's braces). */
export function bpfEthertypeFilter(ethertype: number): BpfInstruction[] {
  return allOf([{ load: LD_H_ABS, offset: 12, value: ethertype }]);
}

/**
 * ARP for IPv4 over Ethernet (htype 1, ptype 0x0800, hlen 6, plen 4), optionally requests only
 * (opcode 1): what a responder needs. Everything else never leaves the kernel.
 */
export function bpfArpFilter(opts: { requestsOnly?: boolean } = {}): BpfInstruction[] {
  const checks: Check[] = [
    { load: LD_H_ABS, offset: 12, value: ETHERTYPE_ARP },
    { load: LD_H_ABS, offset: 14, value: 1 },
    { load: LD_H_ABS, offset: 16, value: 0x0800 },
    { load: LD_H_ABS, offset: 18, value: 0x0604 },
  ];
  if (opts.requestsOnly) checks.push({ load: LD_H_ABS, offset: 20, value: 1 });
  return allOf(checks);
}

/**
 * IPv6 Neighbor Solicitations without extension headers (next header 58 = ICMPv6, type 135),
 * as RFC 4861 NS are sent: for an AF_PACKET NDP path or for watching the wire in tests.
 */
export function bpfNeighborSolicitationFilter(): BpfInstruction[] {
  return allOf([
    { load: LD_H_ABS, offset: 12, value: ETHERTYPE_IPV6 },
    { load: LD_B_ABS, offset: 20, value: 58 },
    { load: LD_B_ABS, offset: 54, value: 135 },
  ]);
}

/** Throws RangeError on a malformed instruction, before the kernel sees it. */
export function validateBpf(prog: readonly BpfInstruction[]): void {
  if (prog.length === 0 || prog.length > 4096) throw new RangeError(`a BPF program has 1..4096 instructions, not ${prog.length}`);
  prog.forEach(([code, jt, jf, k], i) => {
    const ok =
      Number.isInteger(code) && code >= 0 && code <= 0xffff && Number.isInteger(jt) && jt >= 0 && jt <= 0xff && Number.isInteger(jf) && jf >= 0 && jf <= 0xff && Number.isInteger(k) && k >= 0 && k <= 0xffffffff;
    if (!ok) throw new RangeError(`BPF instruction ${i} [${code}, ${jt}, ${jf}, ${k}] is out of range`);
  });
}

/**
 * Runs a program the way the kernel does, for the subset these builders emit (absolute loads,
 * JEQ, RET). For unit tests: the filter's meaning is checked without a socket.
 */
export function runBpf(prog: readonly BpfInstruction[], frame: Uint8Array): number {
  let a = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const [code, jt, jf, k] = prog[pc]!;
    switch (code) {
      case LD_H_ABS:
        if (k + 2 > frame.length) return 0; // out-of-bounds load: the kernel drops the frame
        a = (frame[k]! << 8) | frame[k + 1]!;
        break;
      case LD_B_ABS:
        if (k + 1 > frame.length) return 0;
        a = frame[k]!;
        break;
      case JEQ_K:
        pc += a === k ? jt : jf;
        break;
      case RET_K:
        return k === 0 ? 0 : Math.min(k, frame.length);
      default:
        throw new RangeError(`runBpf does not model opcode 0x${code.toString(16)}`);
    }
  }
  return 0;
}
