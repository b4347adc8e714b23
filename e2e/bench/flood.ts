// Request generator for the packet benchmarks and lab probes, run inside a namespace (the
// client's): sends `count` ARP requests or Neighbor Solicitations for one target at a fixed
// rate from a packet socket, and matches the replies. Bounded in count and time; prints one
// JSON FloodResult on stdout.
//
// Matching: request i is sent from sender address i mod n (addresses the client carries), and
// a reply names that address. Responders answer in order, so a reply for sender k is matched
// to k's oldest outstanding request; one still unanswered after LOST_AFTER_MS is given up as
// lost first (so one loss does not shift every later match). A request never matched counts as
// unanswered; counts are exact, latencies after a loss may be overstated by one cycle (n/rate).
//
// Sending and receiving run on two threads with a socket each (see receive()), sharing the send
// times through a SharedArrayBuffer.
//
// Usage: node dist/e2e/bench/flood.js '<FloodSpec as JSON>'
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { formatIp, parseIp, type IpAddress } from '../../shared/ip/address.js';
import { marshalArpFrame, parseArpFrame, ARP_REPLY, ARP_REQUEST } from '../../speaker/arp/packet.js';
import { BROADCAST_MAC, formatMac, parseMac, ZERO_MAC, type Mac } from '../../speaker/ethernet/mac.js';
import { marshalNdpFrame, parseNdpFrame } from '../../speaker/ndp/frame.js';
import { linkLayerOption } from '../../speaker/ndp/message.js';
import { ipv6MulticastMac, solicitedNodeAddress } from '../../speaker/ndp/multicast.js';
import { lookupInterface } from '../../speaker/announce-cli/lookup.js';
import { bpfArpFilter, ETHERTYPE_ARP, ETHERTYPE_IPV6, PacketSocket, type BpfInstruction } from '../../speaker/native/packet-socket.js';

export interface FloodSpec {
  readonly ifname: string;
  readonly protocol: 'arp' | 'ns';
  readonly target: string;
  /** Source addresses the client carries, cycled. */
  readonly senders: readonly string[];
  /** Ethernet destination; default broadcast (ARP) or the target's solicited-node group MAC (NS). */
  readonly ethDst?: string;
  /** NS only: to the solicited-node group (default) or unicast to the target (NUD). */
  readonly ipDst?: 'solicited-node' | 'target';
  /** NS only: include a source link-layer option (default true; NUD probes often omit it). */
  readonly sourceLinkLayer?: boolean;
  readonly count: number;
  /** Requests per second. */
  readonly rate: number;
  /** How long to wait for late replies after the last request. */
  readonly waitMs: number;
}

export interface FloodResult {
  readonly sent: number;
  readonly sendErrors: number;
  readonly answered: number;
  readonly unanswered: number;
  /** Replies that matched no outstanding request (duplicates, or from other responders). */
  readonly unmatchedReplies: number;
  readonly sendSeconds: number;
  readonly offeredRate: number;
  /** Request-to-reply, measured in this process (an upper bound: includes its own event loop). */
  readonly latencyUs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Who answered: MAC in the reply (ARP sender hardware address / NA target option) → count. */
  readonly replyMacs: Record<string, number>;
}

const LOST_AFTER_MS = 100;

// ICMPv6 Neighbor Advertisements in IPv6 without extension headers.
const NA_FILTER: BpfInstruction[] = [
  [0x28, 0, 0, 12],
  [0x15, 0, 5, ETHERTYPE_IPV6],
  [0x30, 0, 0, 20],
  [0x15, 0, 3, 58],
  [0x30, 0, 0, 54],
  [0x15, 0, 1, 136],
  [0x06, 0, 0, 0x40000],
  [0x06, 0, 0, 0],
];

function must<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function requestFrames(spec: FloodSpec, mac: Mac, target: IpAddress, senders: IpAddress[]): Uint8Array[] {
  const ethDst = spec.ethDst !== undefined ? must(parseMac(spec.ethDst)) : undefined;
  return senders.map((sender) => {
    if (spec.protocol === 'arp') {
      return marshalArpFrame({
        ethernet: { destination: ethDst ?? BROADCAST_MAC, source: mac },
        arp: { operation: ARP_REQUEST, senderMac: mac, senderIp: sender, targetMac: ZERO_MAC, targetIp: target },
      });
    }
    const group = solicitedNodeAddress(target);
    const unicast = spec.ipDst === 'target';
    return marshalNdpFrame({
      ethernet: { destination: ethDst ?? ipv6MulticastMac(group), source: mac },
      ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: 255, source: sender, destination: unicast ? target : group },
      message: { type: 135, code: 0, target, options: spec.sourceLinkLayer === false ? [] : [{ kind: 'source-link-layer', mac }] },
    });
  });
}

const now = (): number => performance.timeOrigin + performance.now();

interface Shared {
  /** Absolute send time (ms) of each request, written by the sender before it sends. */
  readonly sentAt: Float64Array;
  /** [0]: how many requests have been sent. */
  readonly sentCount: Int32Array;
}

interface ReceiverResult {
  readonly latencies: number[];
  readonly unmatched: number;
  readonly replyMacs: Record<string, number>;
}

/**
 * The receiving half, on its own thread with its own packet socket: it sleeps in the kernel
 * until a reply arrives, so a reply's timestamp is not delayed by the sender's bursts.
 */
async function receive(spec: FloodSpec, shared: Shared, ready: () => void, done: Promise<void>): Promise<ReceiverResult> {
  const iface = must(await lookupInterface(spec.ifname));
  const target = must(parseIp(spec.target));
  const senders = spec.senders.map((s) => must(parseIp(s)));
  const senderIndex = new Map(senders.map((s, i) => [s.value, i]));
  const sock = PacketSocket.open({
    ifindex: iface.index,
    ethertype: spec.protocol === 'arp' ? ETHERTYPE_ARP : ETHERTYPE_IPV6,
    filter: spec.protocol === 'arp' ? bpfArpFilter() : NA_FILTER,
    receiveBufferBytes: 8 << 20,
  });
  const matched = new Uint8Array(spec.count);
  // Per sender k, the oldest request not yet matched or given up: k, k+n, k+2n, ...
  const n = senders.length;
  const oldest = Int32Array.from(senders, (_s, k) => k);
  const latencies: number[] = [];
  const replyMacs: Record<string, number> = {};
  let unmatched = 0;

  const onReply = (who: Mac, answeredFor: IpAddress, to: IpAddress): void => {
    // Gratuitous announcements (a takeover burst, a refresh) answer nobody: not counted.
    if (answeredFor.value !== target.value || to.value === target.value) return;
    const t = now();
    const m = formatMac(who);
    replyMacs[m] = (replyMacs[m] ?? 0) + 1;
    const k = senderIndex.get(to.value);
    if (k === undefined) {
      unmatched++;
      return;
    }
    const sent = Atomics.load(shared.sentCount, 0);
    let j = oldest[k]!;
    while (j < sent && t - shared.sentAt[j]! > LOST_AFTER_MS) j += n;
    if (j >= sent) {
      oldest[k] = j;
      unmatched++;
      return;
    }
    matched[j] = 1;
    oldest[k] = j + n;
    latencies.push((t - shared.sentAt[j]!) * 1000);
  };
  sock.onError(() => undefined);
  sock.onFrame((f) => {
    if (spec.protocol === 'arp') {
      const r = parseArpFrame(f);
      if (r.ok && r.packet.arp.operation === ARP_REPLY) onReply(r.packet.arp.senderMac, r.packet.arp.senderIp, r.packet.arp.targetIp);
    } else {
      const r = parseNdpFrame(f);
      if (r.ok && r.packet.message.type === 136 && r.packet.message.solicited) onReply(linkLayerOption(r.packet.message, 'target-link-layer') ?? r.packet.ethernet.source, r.packet.message.target, r.packet.ipv6.destination);
    }
  });
  ready();
  await done;
  sock.close();
  return { latencies, unmatched, replyMacs };
}

/** The sending half: `count` requests at `rate`, on the calling thread. */
async function send(spec: FloodSpec, shared: Shared): Promise<{ sent: number; sendErrors: number; sendSeconds: number }> {
  const iface = must(await lookupInterface(spec.ifname));
  const target = must(parseIp(spec.target));
  const frames = requestFrames(spec, iface.mac, target, spec.senders.map((s) => must(parseIp(s))));
  // Sends only: a filter that accepts nothing keeps replies from queueing on this socket.
  const sock = PacketSocket.open({ ifindex: iface.index, ethertype: spec.protocol === 'arp' ? ETHERTYPE_ARP : ETHERTYPE_IPV6, filter: [[0x06, 0, 0, 0]] });
  let sent = 0;
  let sendErrors = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(spec.count, Math.floor(((performance.now() - start) * spec.rate) / 1000) + 1);
      for (let burst = 0; sent < due && burst < 256; burst++) {
        shared.sentAt[sent] = now();
        Atomics.store(shared.sentCount, 0, sent + 1);
        try {
          sock.send(frames[sent % frames.length]!);
        } catch {
          sendErrors++;
        }
        sent++;
      }
      if (sent >= spec.count) resolve();
      // Behind schedule: go again at once. On schedule: sleep instead of spinning, which would
      // take a core from the responder under test.
      else if (sent < due) setImmediate(tick);
      else setTimeout(tick, 1);
    };
    tick();
  });
  const sendSeconds = (performance.now() - start) / 1000;
  sock.close();
  return { sent, sendErrors, sendSeconds };
}

export async function flood(spec: FloodSpec): Promise<FloodResult> {
  const shared: Shared = {
    sentAt: new Float64Array(new SharedArrayBuffer(8 * spec.count)),
    sentCount: new Int32Array(new SharedArrayBuffer(4)),
  };
  const worker = new Worker(new URL(import.meta.url), { workerData: { floodWorker: true, spec, sentAt: shared.sentAt, sentCount: shared.sentCount } });
  const received = new Promise<ReceiverResult>((resolve, reject) => {
    worker.on('message', (m: { kind: 'ready' } | { kind: 'result'; result: ReceiverResult }) => {
      if (m.kind === 'result') resolve(m.result);
    });
    worker.once('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const { sent, sendErrors, sendSeconds } = await send(spec, shared);
  await new Promise((r) => setTimeout(r, spec.waitMs));
  worker.postMessage('stop');
  const { latencies, unmatched, replyMacs } = await received;
  await worker.terminate();

  latencies.sort((a, b) => a - b);
  const pick = (p: number): number => (latencies.length === 0 ? Number.NaN : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!);
  const answered = latencies.length;
  return {
    sent,
    sendErrors,
    answered,
    unanswered: sent - answered,
    unmatchedReplies: unmatched,
    sendSeconds,
    offeredRate: sent / sendSeconds,
    latencyUs: { p50: pick(50), p99: pick(99), max: latencies[latencies.length - 1] ?? Number.NaN },
    replyMacs,
  };
}

/** Addresses for senders: n of them from a range the caller has put on the client's interface. */
export function senderRange(family: 4 | 6, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(family === 4 ? `192.0.2.${101 + i}` : formatIp({ family: 6, value: 0x2001_0db8_0000_0000_0000_0000_0001_0000n + BigInt(i) }));
  return out;
}

const floodWorker = (data: unknown): data is { floodWorker: true; spec: FloodSpec; sentAt: Float64Array; sentCount: Int32Array } =>
  typeof data === 'object' && data !== null && (data as { floodWorker?: unknown }).floodWorker === true;

// The marker keeps this module inert when it is merely imported from some other worker thread.
if (!isMainThread && floodWorker(workerData)) {
  const data = workerData;
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stop = resolve));
  parentPort!.once('message', () => stop());
  receive(data.spec, { sentAt: data.sentAt, sentCount: data.sentCount }, () => parentPort!.postMessage({ kind: 'ready' }), done).then(
    (result) => parentPort!.postMessage({ kind: 'result', result }),
    (err: unknown) => {
      throw err;
    },
  );
} else if (process.argv[1]?.endsWith('/flood.js') && process.argv[2] !== undefined) {
  const spec = JSON.parse(process.argv[2]) as FloodSpec;
  flood(spec).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (err: unknown) => {
      process.stderr.write(`flood: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
