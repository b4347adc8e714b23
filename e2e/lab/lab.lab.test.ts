// The lab itself: real namespaces on a real bridge; the client reaches node1 over IPv4 and
// IPv6, the host port reaches the nodes, and nothing is left behind.
import { createLab, sweepStaleLabs, type Lab } from './lab.js';
import { listNamespaces } from './topology.js';
import { processStartTime, readRecord, writeRecord } from './registry.js';
import { run } from './run.js';
import { transpileForNamespace } from './transpile.js';
import { createServer, type AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { describeIf } from '../testing/suite-gate.js';

const describeRoot = describeIf({ root: true });

/** Pids whose NUL-separated command line contains needle (pgrep -f without procps). */
function processesWithArgs(needle: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'latin1').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describeRoot('network-namespace lab', () => {
  let lab: Lab | undefined;
  afterEach(async () => {
    await lab?.destroy();
    lab = undefined;
  });

  test('client pings node1 over IPv4 and IPv6; teardown leaves nothing', async () => {
    lab = await createLab({ nodes: 2 });
    const node1 = lab.nodes[0]!;
    expect(lab.nodes.map((n) => n.ns)).toEqual([`l2lb-${lab.runId}-n1`, `l2lb-${lab.runId}-n2`]);
    const v4 = await lab.exec(lab.client.ns, ['ping', '-c', '1', '-W', '2', node1.ipv4]);
    expect(v4.code).toBe(0);
    const v6 = await lab.exec(lab.client.ns, ['ping', '-6', '-c', '1', '-W', '2', node1.ipv6]);
    expect(v6.code).toBe(0);
    const neigh = await lab.execOk(lab.client.ns, ['ip', 'neigh', 'show', node1.ipv4]);
    expect(neigh.stdout).toContain(node1.mac);
    const sysctl = await lab.execOk(node1.ns, ['cat', '/proc/sys/net/ipv4/ip_nonlocal_bind', '/proc/sys/net/ipv6/conf/eth0/accept_dad']);
    expect(sysctl.stdout.split('\n').slice(0, 2)).toEqual(['1', '0']);
    const client = await lab.execOk(lab.client.ns, ['sh', '-c', 'cat /proc/sys/net/ipv4/conf/eth0/arp_accept; cat /proc/sys/net/ipv6/conf/eth0/accept_untracked_na 2>/dev/null || echo 1']);
    expect(client.stdout.split('\n').slice(0, 2)).toEqual(['1', '1']);

    const runId = lab.runId;
    await lab.destroy();
    await lab.destroy(); // idempotent
    lab = undefined;
    expect(listNamespaces().filter((n) => n.includes(runId))).toEqual([]);
    expect(readRecord(runId)).toBeUndefined();
  });

  test('setLink down cuts a node off and up restores it with its addresses', async () => {
    lab = await createLab({ nodes: 1 });
    const node1 = lab.nodes[0]!;
    await lab.setLink(node1.ns, 'down');
    expect((await lab.exec(lab.client.ns, ['ping', '-c', '1', '-W', '1', node1.ipv4])).code).not.toBe(0);
    await lab.setLink(node1.ns, 'up');
    expect((await lab.exec(lab.client.ns, ['ping', '-6', '-c', '1', '-W', '2', node1.ipv6])).code).toBe(0);
  });

  test('destroy kills processes still running in the namespaces', async () => {
    lab = await createLab({ nodes: 1 });
    const child = lab.spawn(lab.nodes[0]!.ns, ['sleep', '60']);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await lab.destroy();
    await expect(exited).resolves.toBeDefined();
  });

  test('a root-namespace server is reachable from the nodes at the host address; the root namespace is untouched', async () => {
    // IPv4 routes print no timers, so they compare exactly; IPv6 ones may ("expires 1234sec").
    const routesBefore = (await run(['ip', 'route'])).stdout;
    lab = await createLab({ nodes: 1, hostAddress: true });
    expect(lab.hostAddress).toEqual({ ipv4: '192.0.2.254', ipv6: '2001:db8::fe' });
    const node1 = lab.nodes[0]!;
    expect((await lab.exec(node1.ns, ['ping', '-c', '1', '-W', '2', '192.0.2.254'])).code).toBe(0);
    expect((await lab.exec(node1.ns, ['ping', '-6', '-c', '1', '-W', '2', '2001:db8::fe'])).code).toBe(0);

    // A server on loopback in the root namespace, like the test control plane.
    const server = createServer((c) => c.end(`hello ${c.remoteAddress}\n`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await lab.forwardHostPort(port);
      const client = (host: string): string =>
        `require('net').connect(${port}, '${host}').on('data', (d) => { process.stdout.write(d); process.exit(0); }).on('error', (e) => { console.error(e.message); process.exit(1); })`;
      for (const host of ['192.0.2.254', '2001:db8::fe']) {
        const r = await lab.exec(node1.ns, [process.execPath, '-e', client(host)], { timeoutMs: 5000 });
        expect(r).toMatchObject({ code: 0, stdout: 'hello 127.0.0.1\n' });
      }
    } finally {
      await lab.destroy();
      lab = undefined;
      server.close();
    }
    // Nothing of the lab in the root namespace's routes or addresses.
    expect((await run(['ip', 'route'])).stdout).toBe(routesBefore);
    expect((await run(['ip', '-6', 'route'])).stdout).not.toContain('2001:db8');
    expect((await run(['ip', '-o', 'addr', 'show', 'to', '192.0.2.254/32'])).stdout).toBe('');
  });

  test('the sweep removes labs whose owner died and namespaces no record claims', async () => {
    // Hand the lab to a short-lived process, then SIGKILL it: no exit handler of the owner runs.
    lab = await createLab({ nodes: 1 });
    const { spawn } = await import('node:child_process');
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => owner.on('spawn', r));
    const record = readRecord(lab.runId)!;
    writeRecord({ ...record, owner: { pid: owner.pid!, startTime: processStartTime(owner.pid!)! } });
    expect(sweepStaleLabs()).not.toContain(lab.runId); // owner alive: left alone
    owner.kill('SIGKILL');
    await new Promise((r) => owner.on('exit', r));
    expect(sweepStaleLabs()).toContain(lab.runId);
    expect(listNamespaces().filter((n) => n.includes(lab!.runId))).toEqual([]);

    await run(['ip', 'netns', 'add', 'l2lb-zz9zz9-n1']);
    expect(sweepStaleLabs()).toContain('zz9zz9');
    expect(listNamespaces()).not.toContain('l2lb-zz9zz9-n1');
  });

  test.each(['throw', 'sigterm', 'exit'])('a process that dies by %s leaves no namespace and no process behind', async (how) => {
    const program = transpileForNamespace('e2e/lab/fixtures/crash.ts');
    try {
      const r = await run([process.execPath, program.entry, how], { timeoutMs: 20000 });
      const runId = r.stdout.trim();
      expect(runId).toMatch(/^[a-z0-9]{6}$/);
      expect(r.code).not.toBe(0);
      expect(listNamespaces().filter((n) => n.includes(runId))).toEqual([]);
      expect(readRecord(runId)).toBeUndefined();
      expect(processesWithArgs('sleep\u000067.25')).toEqual([]);
    } finally {
      program.cleanup();
    }
  });
});
