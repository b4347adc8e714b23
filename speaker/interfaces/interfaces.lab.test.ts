// Interface discovery against a real kernel: node1's namespace with eth0 plus devices that each
// trip one skip rule.
import { createLab, type Lab } from '../../e2e/lab/lab.js';
import { transpileForNamespace, type TranspiledProgram } from '../../e2e/lab/transpile.js';
import type { InterfaceSelection } from './rules.js';
import { createInterface } from 'node:readline';
import { BUILT, describeIf } from '../../e2e/testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.addon] });

describeRoot('interface discovery in a lab namespace', () => {
  let lab: Lab;
  let program: TranspiledProgram;
  beforeAll(async () => {
    program = transpileForNamespace('speaker/interfaces/fixtures/list.ts');
    lab = await createLab({ nodes: 1 });
  });
  afterAll(async () => {
    await lab?.destroy();
    program?.cleanup();
  });

  const list = async (allow: string[] = []): Promise<InterfaceSelection> => {
    const r = await lab.execOk(lab.nodes[0]!.ns, [process.execPath, program.entry, ...allow]);
    return JSON.parse(r.stdout) as InterfaceSelection;
  };

  test('eth0 is usable, lo is skipped', async () => {
    const sel = await list();
    const node1 = lab.nodes[0]!;
    expect(sel.usable).toEqual([{ name: 'eth0', ifindex: expect.any(Number), mac: node1.mac, hasIpv6LinkLocal: true }]);
    expect(sel.skipped).toEqual([{ name: 'lo', reason: 'excluded' }]);
  });

  test('each skip rule on a real device', async () => {
    const ns = lab.nodes[0]!.ns;
    for (const argv of [
      // Veth pairs stand in for other devices (this kernel has no dummy module).
      ['ip', 'link', 'add', 'docker0', 'type', 'veth', 'peer', 'name', 'noarp1'],
      ['ip', 'link', 'set', 'docker0', 'up'],
      ['ip', 'link', 'set', 'noarp1', 'arp', 'off', 'up'],
      ['ip', 'link', 'add', 'br9', 'type', 'bridge'], // stays down
      ['ip', 'link', 'add', 'port1', 'type', 'veth', 'peer', 'name', 'port2'],
      ['ip', 'link', 'set', 'port1', 'master', 'br9', 'up'],
      ['ip', 'link', 'set', 'port2', 'up'],
    ])
      await lab.execOk(ns, argv);
    const sel = await list();
    expect(sel.usable.map((u) => u.name).sort()).toEqual(['eth0', 'port2']);
    expect(Object.fromEntries(sel.skipped.map((s) => [s.name, s.reason]))).toEqual({
      lo: 'excluded',
      docker0: 'excluded',
      noarp1: 'noarp',
      br9: 'down',
      port1: 'enslaved',
    });
    // The L2Advertisement's interfaces list narrows the set.
    const narrowed = await list(['eth0']);
    expect(narrowed.usable.map((u) => u.name)).toEqual(['eth0']);
    expect(narrowed.skipped.find((s) => s.name === 'port2')?.reason).toBe('notInAllowList');
    // Carrier loss: eth0 down is skipped.
    await lab.setLink(ns, 'down');
    expect((await list()).skipped).toContainEqual({ name: 'eth0', reason: 'down' });
    await lab.setLink(ns, 'up');
  });

  test('the watcher follows netlink notifications promptly', async () => {
    const watchProgram = transpileForNamespace('speaker/interfaces/fixtures/watch.ts');
    const ns = lab.nodes[0]!.ns;
    const child = lab.spawn(ns, [process.execPath, watchProgram.entry], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: Array<{ usable?: string[]; skipped?: Record<string, string>; error?: string }> = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as (typeof lines)[number]));
    const waitFor = async (pred: () => boolean, what: string): Promise<number> => {
      const start = Date.now();
      while (!pred()) {
        // The periodic rescan is an hour away: only a notification can satisfy this in time.
        if (Date.now() - start > 3000) throw new Error(`no update for ${what}: ${JSON.stringify(lines)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return Date.now() - start;
    };
    try {
      await waitFor(() => lines.length >= 1, 'the first scan');
      const last = (): (typeof lines)[number] => lines[lines.length - 1]!;
      await lab.execOk(ns, ['ip', 'link', 'add', 'uplink2', 'type', 'veth', 'peer', 'name', 'uplink3']);
      await lab.execOk(ns, ['ip', 'link', 'set', 'uplink2', 'up']);
      await lab.execOk(ns, ['ip', 'link', 'set', 'uplink3', 'up']);
      const ms = await waitFor(() => last().usable?.includes('uplink2') === true && last().usable?.includes('uplink3') === true, 'new links');
      expect(ms).toBeLessThan(1000);
      await lab.setLink(ns, 'down');
      await waitFor(() => last().skipped?.['eth0'] === 'down', 'eth0 down');
      await lab.setLink(ns, 'up');
      await waitFor(() => last().usable?.includes('eth0') === true, 'eth0 up');
      await lab.execOk(ns, ['ip', 'link', 'del', 'uplink2']);
      await waitFor(() => !last().usable?.includes('uplink2') && !('uplink2' in (last().skipped ?? {})), 'a deleted link');
      expect(lines.filter((l) => l.error)).toEqual([]);
    } finally {
      child.stdin!.end();
      watchProgram.cleanup();
    }
  });
});
