// `make lab-up NODES=3` / `make lab-down`: the people's lab with fixed names (l2lb-node1..N,
// l2lb-client, l2lb-br) that outlives this command. Try: `ip netns exec l2lb-client ping 192.0.2.1`.
import { runProgram } from '../../shared/cli/run.js';
import { flagInt, flagString, UsageError, type FlagSpec } from '../../shared/cli/flags.js';
import { MAX_NODES } from './names.js';
import { attachLab, createLab, destroyLab } from './lab.js';

const specs: readonly FlagSpec[] = [
  { name: 'nodes', help: 'node namespaces to create (up)', default: '3' },
  { name: 'host-address', help: 'put the host address 192.0.2.254 / 2001:db8::fe on the bridge (up)', boolean: true, default: 'true' },
  { name: 'port', help: 'forward: expose 127.0.0.1:PORT of this machine at the host address, port PORT' },
  { name: 'target-port', help: 'forward: the root-namespace port to connect to (default: --port)' },
];
const summary =
  'Commands: up | down | status | forward. Creates or removes the network-namespace lab l2lb-node1..N, l2lb-client, l2lb-br;\n' +
  'forward makes a server on 127.0.0.1 reachable from the lab at 192.0.2.254 / [2001:db8::fe] until lab-down.';

const [command, ...rest] = process.argv.slice(2);

await runProgram('l2lb-lab', summary, specs, async (flags) => {
  switch (command) {
    case 'up': {
      const nodes = flagInt(flags, 'nodes', 1, MAX_NODES) ?? 3;
      const lab = await createLab({ nodes, persistent: true, hostAddress: flagString(flags, 'host-address') === 'true' });
      for (const n of [...lab.nodes, lab.client]) process.stdout.write(`${n.ns.padEnd(14)} eth0 ${n.mac} ${n.ipv4} ${n.ipv6}\n`);
      if (lab.hostAddress) process.stdout.write(`${lab.bridgeNs.padEnd(14)} br0  host address ${lab.hostAddress.ipv4} ${lab.hostAddress.ipv6}\n`);
      return;
    }
    case 'down':
      destroyLab();
      return;
    case 'status': {
      const lab = attachLab();
      process.stdout.write(lab ? `up: ${lab.nodes.length} nodes\n` : 'down\n');
      return;
    }
    case 'forward': {
      const lab = attachLab();
      if (!lab) throw new UsageError('no lab is up: run `make lab-up` first');
      const port = flagInt(flags, 'port', 1, 65535);
      if (port === undefined) throw new UsageError('forward needs --port');
      const fwd = await lab.forwardHostPort(port, { port: flagInt(flags, 'target-port', 1, 65535) ?? port });
      process.stdout.write(`forwarding ${lab.hostAddress?.ipv4}:${fwd.port} and [${lab.hostAddress?.ipv6}]:${fwd.port} to 127.0.0.1\n`);
      return;
    }
    default:
      throw new UsageError(command === undefined ? 'missing command (up, down, status)' : `unknown command ${JSON.stringify(command)}`);
  }
}, command === '--help' || command === '-h' ? ['--help'] : rest);
