// Wakes the caller when the kernel reports a link or address change (netlink RTMGRP_LINK and
// IFADDR groups, from the addon). Carries no details: rescan /sys (speaker/interfaces) on it.
import { loadAddon, type NativeLinkMonitor } from './addon.js';

export class LinkMonitor {
  private closedFlag = false;
  private readonly handlers: Array<() => void> = [];
  private readonly errorHandlers: Array<(err: Error) => void> = [];

  private constructor(private readonly native: NativeLinkMonitor) {}

  /** Opens a netlink socket in the caller's network namespace. Needs no privileges. */
  static open(): LinkMonitor {
    const Ctor = loadAddon().LinkMonitor;
    const monitor = new LinkMonitor(new Ctor());
    monitor.native.start(
      () => {
        for (const h of monitor.handlers) h();
      },
      (err) => {
        for (const h of monitor.errorHandlers) h(err);
      },
    );
    return monitor;
  }

  /** Called once per burst of kernel notifications (all queued ones are drained first). */
  onChange(cb: () => void): void {
    if (this.closedFlag) throw new Error('LinkMonitor is closed');
    this.handlers.push(cb);
  }

  /**
   * The monitor stopped (the event loop could not poll its socket again): no more onChange.
   * Periodic rescans still find changes; the error says why notifications stopped.
   */
  onError(cb: (err: Error) => void): void {
    this.errorHandlers.push(cb);
  }

  unref(): void {
    this.native.unref();
  }

  ref(): void {
    this.native.ref();
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.handlers.length = 0;
    this.errorHandlers.length = 0;
    this.native.close();
  }
}
