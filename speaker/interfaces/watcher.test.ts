// The watcher's logic over a made-up sysfs tree and a hand-driven change source (the lab
// test covers real netlink notifications).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../e2e/testenv/wait.js';
import { watchInterfaces as startWatcher, type ChangeSource, type InterfaceSnapshot, type InterfaceWatcher, type InterfaceWatcherOptions } from './watcher.js';

describe('interface watcher', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'l2lb-watch-'));
    writeFileSync(join(root, 'if_inet6'), '');
    iface('eth0', 2, 'up');
  });
  // Closed even when a test fails: an open watcher's interval would keep jest from exiting.
  const open: InterfaceWatcher[] = [];
  const watchInterfaces = async (o: InterfaceWatcherOptions): Promise<InterfaceWatcher> => {
    const w = await startWatcher(o);
    open.push(w);
    return w;
  };
  afterEach(() => {
    for (const w of open.splice(0)) w.close();
    rmSync(root, { recursive: true, force: true });
  });

  function iface(name: string, ifindex: number, operstate: string): void {
    const dir = join(root, 'net', name);
    mkdirSync(dir, { recursive: true });
    const files = { ifindex: String(ifindex), address: `02:1b:00:00:00:0${ifindex}`, flags: '0x1003', type: '1', operstate };
    for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), v + '\n');
  }

  function source(): ChangeSource & { fire(): void; closed: boolean } {
    let cb: () => void = () => undefined;
    const s = {
      closed: false,
      onChange: (f: () => void) => void (cb = f),
      close: () => void (s.closed = true),
      fire: () => cb(),
    };
    return s;
  }

  /** Long enough for a debounced rescan of a tiny tree to run, on a loaded machine too. */
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200));


  test('emits at start, after a notification when something changed, and not otherwise', async () => {
    const seen: InterfaceSnapshot[] = [];
    const changes = source();
    const w = await watchInterfaces({
      paths: { classNet: join(root, 'net'), ifInet6: join(root, 'if_inet6') },
      changes,
      debounceMs: 1,
      intervalMs: 60_000,
      onChange: (s) => seen.push(s),
    });
    expect(seen.map((s) => s.selection.usable.map((u) => u.name))).toEqual([['eth0']]);

    // The tree is complete before the notification, so the rescan it causes sees all of it (a
    // rescan still running while files were written could emit a half-made interface).
    iface('eth1', 3, 'up');
    iface('eth0', 2, 'lowerlayerdown');
    changes.fire();
    changes.fire(); // a burst: one rescan
    await waitFor('the notified rescan', () => Promise.resolve(seen.length >= 2), { timeoutMs: 5_000, intervalMs: 5 });
    await settle();
    expect(seen).toHaveLength(2);
    expect(seen[1]!.selection.usable.map((u) => u.name)).toEqual(['eth1']);
    expect(seen[1]!.selection.skipped).toEqual([{ name: 'eth0', reason: 'down' }]);
    expect(w.current()).toBe(seen[1]);

    changes.fire(); // nothing changed
    await settle();
    expect(seen).toHaveLength(2);

    await w.setRules({ allow: ['eth0'] });
    expect(seen).toHaveLength(3);
    expect(seen[2]!.selection.usable).toEqual([]);

    w.close();
    expect(changes.closed).toBe(true);
  });

  test('periodic scans catch changes without notifications', async () => {
    const seen: InterfaceSnapshot[] = [];
    const w = await watchInterfaces({
      paths: { classNet: join(root, 'net'), ifInet6: join(root, 'if_inet6') },
      changes: null,
      intervalMs: 10,
      onChange: (s) => seen.push(s),
    });
    iface('eth1', 3, 'up');
    for (let i = 0; i < 50 && seen.length < 2; i++) await settle();
    w.close();
    expect(seen[1]?.selection.usable.map((u) => u.name)).toEqual(['eth0', 'eth1']);
  });

  test('a first scan that fails rejects', async () => {
    await expect(
      watchInterfaces({ paths: { classNet: join(root, 'missing'), ifInet6: join(root, 'if_inet6') }, changes: null, onChange: () => undefined }),
    ).rejects.toThrow(/ENOENT/);
  });
});
