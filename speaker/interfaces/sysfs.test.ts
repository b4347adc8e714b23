// readInterfaces against a made-up sysfs tree on disk: the reading logic without a kernel
// (the lab test covers the real one).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIfInet6, readInterfaces } from './sysfs.js';

describe('sysfs reader', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'l2lb-sysfs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function iface(name: string, files: Record<string, string>, master?: string): void {
    const dir = join(root, 'net', name);
    mkdirSync(dir, { recursive: true });
    for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), v + '\n');
    if (master) symlinkSync(`../${master}`, join(dir, 'master'));
  }

  test('reads facts, masters with their kind, and link-local addresses', async () => {
    iface('lo', { ifindex: '1', address: '00:00:00:00:00:00', flags: '0x9', type: '772', operstate: 'unknown' });
    iface('eth0', { ifindex: '2', address: '02:1b:00:00:00:01', flags: '0x1003', type: '1', operstate: 'up' });
    iface('br9', { ifindex: '4', address: '02:1b:00:00:00:09', flags: '0x1002', type: '1', operstate: 'down', uevent: 'DEVTYPE=bridge\nINTERFACE=br9\nIFINDEX=4' });
    iface('port1', { ifindex: '3', address: '02:1b:00:00:00:03', flags: '0x1003', type: '1', operstate: 'up' }, 'br9');
    mkdirSync(join(root, 'net', 'half')); // vanished mid-scan: no files
    writeFileSync(
      join(root, 'if_inet6'),
      [
        '00000000000000000000000000000001 01 80 10 80       lo',
        'fe80000000000000001b00fffe000001 02 40 20 80     eth0',
        'fe80000000000000001b00fffe000003 03 40 20 c0    port1', // tentative
      ].join('\n'),
    );
    const got = await readInterfaces({ classNet: join(root, 'net'), ifInet6: join(root, 'if_inet6') });
    expect(got).toEqual([
      { name: 'lo', ifindex: 1, mac: '00:00:00:00:00:00', flags: 0x9, type: 772, operstate: 'unknown', ipv6LinkLocal: false },
      { name: 'eth0', ifindex: 2, mac: '02:1b:00:00:00:01', flags: 0x1003, type: 1, operstate: 'up', ipv6LinkLocal: true },
      { name: 'port1', ifindex: 3, mac: '02:1b:00:00:00:03', flags: 0x1003, type: 1, operstate: 'up', master: 'br9', masterKind: 'bridge', ipv6LinkLocal: false },
      { name: 'br9', ifindex: 4, mac: '02:1b:00:00:00:09', flags: 0x1002, type: 1, operstate: 'down', ipv6LinkLocal: false },
    ]);
  });

  test('if_inet6: only non-tentative, non-failed link-local addresses count', () => {
    expect([
      ...parseIfInet6(
        [
          'fe800000000000000000000000000001 02 40 20 80 a',
          'fe800000000000000000000000000002 03 40 20 40 b', // tentative
          'fe800000000000000000000000000003 04 40 20 08 c', // DAD failed
          '20010db8000000000000000000000001 05 40 00 80 d', // global
          'garbage',
          '',
        ].join('\n'),
      ),
    ]).toEqual(['a']);
  });
});
