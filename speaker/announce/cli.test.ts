// The command line as an operator meets it: clear errors and exit code 2 for what cannot work.
// Runs the built program (dist/, as `make test-unit` builds first). Every case fails before a
// socket is opened: nothing is ever announced from the machine running the tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BUILT, describeIf } from '../../e2e/testing/suite-gate.js';

const bin = fileURLToPath(new URL('../../bin/l2lb-announce', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });

describeIf({ built: [BUILT.announce] })('l2lb-announce command line', () => {
  test.each([
    [['--ip', '192.0.2.200'], '--interface is required'],
    [['--interface', 'lo'], '--ip is required'],
    [['--interface', 'lo', '--ip', '192.0.2.200'], 'lo is not an Ethernet interface'],
    [['--interface', 'no-such-if0', '--ip', '192.0.2.200'], 'no interface named no-such-if0'],
    [['--interface', '../x', '--ip', '192.0.2.200'], 'no interface named ../x'],
    [['--interface', 'lo', '--ip', '192.0.2.300'], '"192.0.2.300" is not an IPv4 or IPv6 address'],
    [['--interface', 'lo', '--ip', 'ff02::1'], 'ff02::1 is not a unicast address'],
    [['--interface', 'lo', '--ip', '192.0.2.200', '--refresh-seconds', '0'], '--refresh-seconds must be an integer from 1'],
  ])('%j fails with %j', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('--help lists the flags', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const f of ['--interface', '--ip', '--refresh-seconds', '--metrics-port', '--log-level']) expect(r.stdout).toContain(f);
  });
});
