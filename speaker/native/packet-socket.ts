// AF_PACKET sockets from TypeScript: a thin, typed shell over the N-API addon in src/ (see
// packet_socket.cc). Receiving is asynchronous (libuv polling in the addon); frames of one
// wakeup arrive as a batch and are handed to the onFrame callbacks one by one.
//
// Errors from the kernel are Error objects with Node's system-error fields: `code` (the errno
// name: EPERM without CAP_NET_RAW, ENODEV for a bad ifindex, ENETDOWN while the link is down,
// EAGAIN/ENOBUFS when the transmit queue is full), `errno` (negative) and `syscall`.
import { loadAddon, type NativePacketSocket, type OutgoingFilter } from './addon.js';
import { validateBpf, type BpfInstruction } from './bpf.js';

export type { BpfInstruction } from './bpf.js';
export type { OutgoingFilter } from './addon.js';

/**
 * Set to 1 to open every packet socket as on a kernel without PACKET_IGNORE_OUTGOING (before
 * 4.20), so tests can show the fallback keeps our own frames out.
 */
export const SIMULATE_NO_IGNORE_OUTGOING_ENV = 'L2LB_TEST_SIMULATE_NO_PACKET_IGNORE_OUTGOING';
export { ADDON_RELATIVE_PATH } from './addon.js';
export { bpfArpFilter, bpfEthertypeFilter, bpfNeighborSolicitationFilter, ETHERTYPE_ARP, ETHERTYPE_IPV6, ETH_P_ALL } from './bpf.js';

export interface PacketSocketOptions {
  readonly ifindex: number;
  /** Bound in the kernel: only frames of this ethertype reach the socket (ETH_P_ALL = 3: all). */
  readonly ethertype: number;
  /** Classic BPF run before queueing, e.g. bpfArpFilter({ requestsOnly: true }). */
  readonly filter?: readonly BpfInstruction[];
  /** SO_RCVBUF(FORCE): room for bursts while the event loop is busy. Default: the kernel's. */
  readonly receiveBufferBytes?: number;
}

export interface PacketSocketStats {
  /** Frames queued to this socket since the last stats() call. */
  readonly packets: number;
  /** Frames the kernel dropped because our receive buffer was full (since the last call). */
  readonly drops: number;
}

export interface SystemError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
}

/** Realm-independent (no instanceof): the addon's errors come from the main realm, tests run in vm contexts. */
export function isSystemError(err: unknown): err is SystemError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Partial<Record<keyof SystemError, unknown>>;
  return typeof e.message === 'string' && typeof e.code === 'string' && typeof e.syscall === 'string';
}

/** An error after which the socket receives nothing more (the event loop no longer polls it). */
export function stoppedReceiving(err: SystemError): boolean {
  return err.syscall === 'uv_poll' || err.syscall === 'uv_poll_start';
}

export class PacketSocket {
  private readonly frameHandlers: Array<(frame: Buffer) => void> = [];
  private readonly errorHandlers: Array<(err: SystemError) => void> = [];
  private started = false;
  private closedFlag = false;

  private constructor(
    private readonly sock: NativePacketSocket,
    readonly ifindex: number,
    readonly ethertype: number,
  ) {}

  /** Opens, filters and binds synchronously (a few syscalls); throws a SystemError on failure. */
  static open(opts: PacketSocketOptions): PacketSocket {
    if (!Number.isInteger(opts.ifindex) || opts.ifindex <= 0) throw new RangeError(`ifindex must be a positive integer, not ${opts.ifindex}`);
    if (!Number.isInteger(opts.ethertype) || opts.ethertype < 0 || opts.ethertype > 0xffff) throw new RangeError(`ethertype must be 0..0xffff, not ${opts.ethertype}`);
    if (opts.filter) validateBpf(opts.filter);
    const Ctor = loadAddon().PacketSocket;
    const simulateOldKernel = process.env[SIMULATE_NO_IGNORE_OUTGOING_ENV] === '1';
    const sock = new Ctor(opts.ifindex, opts.ethertype, opts.filter ? [...opts.filter] : undefined, opts.receiveBufferBytes, simulateOldKernel);
    return new PacketSocket(sock, opts.ifindex, opts.ethertype);
  }

  /** Every callback sees every frame (a fresh Buffer per frame). Receiving starts with the first. */
  onFrame(cb: (frame: Buffer) => void): void {
    this.assertOpen();
    this.frameHandlers.push(cb);
    if (this.started) return;
    this.started = true;
    this.sock.start(
      (frames) => {
        for (const f of frames) for (const h of this.frameHandlers) h(f);
      },
      (err) => this.emitError(err),
    );
  }

  /**
   * Receive errors: ENETDOWN when the link goes down (the socket recovers when it comes back up;
   * after the interface is deleted it never does: reopen on the new ifindex). An error whose
   * syscall is uv_poll or uv_poll_start means receiving has stopped for good (see
   * stoppedReceiving): reopen. Without a
   * handler an error is thrown (an uncaught exception), as an EventEmitter's 'error' is.
   */
  onError(cb: (err: SystemError) => void): void {
    this.errorHandlers.push(cb);
  }

  /** Sends one whole Ethernet frame (destination MAC first) out of the bound interface. */
  send(frame: Uint8Array): void {
    this.assertOpen();
    const sent = this.sock.send(frame);
    if (sent !== frame.length) throw new Error(`short send: ${sent} of ${frame.length} bytes`);
  }

  stats(): PacketSocketStats {
    this.assertOpen();
    return this.sock.stats();
  }

  /** 'socket-option' (PACKET_IGNORE_OUTGOING) or 'bpf' (the fallback on kernels before 4.20). */
  outgoingFilter(): OutgoingFilter {
    this.assertOpen();
    return this.sock.outgoingFilter();
  }

  /** Like net.Socket: an unref'd receiving socket does not keep the process alive. */
  unref(): void {
    this.sock.unref();
  }

  ref(): void {
    this.sock.ref();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Idempotent. No callback runs after close() returns. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.frameHandlers.length = 0;
    this.sock.close();
  }

  private emitError(err: Error): void {
    const e = err as SystemError;
    if (this.errorHandlers.length === 0) throw e;
    for (const h of this.errorHandlers) h(e);
  }

  private assertOpen(): void {
    if (this.closedFlag) throw new Error('PacketSocket is closed');
  }
}
