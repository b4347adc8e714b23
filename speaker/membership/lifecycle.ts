// The heartbeat thread's lifecycle in the speaker: one thread per heartbeat key, restarted when
// the key changes, never two at once. Key changes arrive from the Secret informer at any time
// (two quick rotations, a rotation during a start); one loop applies them in turn, always
// toward the latest key, so a key that is already outdated is skipped instead of started.
//
// Events: 'change' (a peer came or went, or a new thread started: elect again), 'settled'
// (membership has heard its peers: an election may trust "alone"), 'failed' (the thread died:
// nothing this node decides can be trusted any more).
import { EventEmitter } from 'node:events';
import type { ExpectedPeer, MembershipChange } from './membership.js';
import type { HeartbeatThreadOptions } from './thread.js';

/** What the lifecycle needs of a running heartbeat thread (HeartbeatThread; fakes in tests). */
export interface Heartbeats {
  setPeers(peers: readonly ExpectedPeer[]): void;
  alive(): ReadonlySet<string>;
  settled(): boolean;
  stop(opts: { leaving: boolean }): Promise<void>;
  on(event: 'change', cb: (c: MembershipChange) => void): unknown;
  on(event: 'settled', cb: () => void): unknown;
  on(event: 'failed', cb: (err: Error) => void): unknown;
}

export type StartHeartbeats = (opts: Omit<HeartbeatThreadOptions, 'keys'> & { readonly keys: Buffer[] }) => Promise<Heartbeats>;

export interface MembershipLifecycleEvents {
  change: [];
  settled: [];
  failed: [Error];
}

export class MembershipLifecycle extends EventEmitter<MembershipLifecycleEvents> {
  private running: { key: string; hb: Heartbeats } | undefined;
  private wanted = '';
  private loop: Promise<void> | undefined;
  private peers: readonly ExpectedPeer[] = [];
  private stopped = false;

  constructor(
    private readonly options: Omit<HeartbeatThreadOptions, 'keys'>,
    private readonly startThread: StartHeartbeats,
  ) {
    super();
  }

  /** True once a thread runs (with some key). */
  get active(): boolean {
    return this.running !== undefined;
  }

  alive(): ReadonlySet<string> {
    return this.running?.hb.alive() ?? new Set();
  }

  settled(): boolean {
    return this.running?.hb.settled() ?? false;
  }

  /** The base64 key from the Secret ('' while there is none: nothing runs until there is). */
  setKey(key: string): Promise<void> {
    this.wanted = key;
    this.loop ??= this.apply().finally(() => {
      this.loop = undefined;
      // A key set after the loop's last check, before this callback: go again.
      if (!this.stopped && this.wanted !== '' && this.wanted !== this.running?.key) void this.setKey(this.wanted);
    });
    return this.loop;
  }

  setPeers(peers: readonly ExpectedPeer[]): void {
    this.peers = peers;
    this.running?.hb.setPeers(peers);
  }

  /** Stops the thread (waiting for a start in progress first); no thread starts afterwards. */
  async stop(opts: { leaving: boolean }): Promise<void> {
    this.stopped = true;
    await this.loop;
    const r = this.running;
    this.running = undefined;
    await r?.hb.stop(opts);
  }

  private async apply(): Promise<void> {
    while (!this.stopped && this.wanted !== '' && this.wanted !== this.running?.key) {
      const key = this.wanted;
      const previous = this.running;
      this.running = undefined;
      if (previous) {
        this.options.logger.warn('heartbeatKeyChanged', 'the heartbeat key changed; restarting membership with the new key');
        await previous.hb.stop({ leaving: false });
      }
      if (this.stopped || key !== this.wanted) continue; // outdated while we stopped the old one
      let hb: Heartbeats;
      try {
        hb = await this.startThread({ ...this.options, keys: [Buffer.from(key, 'base64')] });
      } catch (err) {
        // Terminal, as a thread dying is: the owner withdraws and exits; nothing starts again.
        this.stopped = true;
        this.emit('failed', err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const current = { key, hb };
      this.running = current;
      // Events of a thread that has since been replaced are not ours any more.
      const ours = (): boolean => this.running === current;
      hb.on('change', () => {
        if (ours()) this.emit('change');
      });
      hb.on('settled', () => {
        if (ours()) this.emit('settled');
      });
      hb.on('failed', (err) => {
        if (ours()) this.emit('failed', err);
      });
      hb.setPeers(this.peers);
      this.emit('change');
    }
  }
}
