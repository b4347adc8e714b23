// TCP forwarder between the lab's host address (192.0.2.254 / 2001:db8::fe on the bridge, in
// the bridge namespace) and a server in the root namespace (e.g. kube-apiserver on 127.0.0.1).
// Plain JavaScript because it runs as a child process under `ip netns exec`, also while the
// TypeScript sources are only transpiled in memory (jest). Unix sockets are not namespaced, so
// they carry each connection across: two roles, one process each.
//
//   node forwarder.mjs listen <unix-path> <bridge-ns> <addr> <port> [<addr> <port> ...]
//       (inside the bridge namespace) accept TCP, pipe each connection to <unix-path>
//   node forwarder.mjs serve <unix-path> <bridge-ns> <target-host> <target-port>
//       (in the root namespace) accept on <unix-path>, pipe each connection to the target
//
// Both exit when the bridge namespace is gone, so a crashed owner leaves no forwarder behind.
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { setInterval } from 'node:timers';

const [role, unixPath, bridgeNs, ...rest] = process.argv.slice(2);

function pipe(a, b) {
  a.pipe(b).on('error', () => a.destroy());
  b.pipe(a).on('error', () => b.destroy());
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

function die(msg) {
  process.stderr.write(`forwarder: ${msg}\n`);
  process.exit(1);
}

if (!unixPath || !bridgeNs) die('usage: forwarder.mjs listen|serve <unix-path> <bridge-ns> ...');
setInterval(() => {
  if (!existsSync(`/run/netns/${bridgeNs}`)) process.exit(0);
}, 500);

let pending = 0;
const ready = () => {
  if (--pending === 0) process.stdout.write('ready\n');
};

if (role === 'listen') {
  if (rest.length === 0 || rest.length % 2 !== 0) die('listen needs <addr> <port> pairs');
  for (let i = 0; i < rest.length; i += 2) {
    pending++;
    const server = net.createServer((conn) => pipe(conn, net.connect(unixPath)));
    server.on('error', (err) => die(`listen ${rest[i]} ${rest[i + 1]}: ${err.message}`));
    server.listen({ host: rest[i], port: Number(rest[i + 1]) }, ready);
  }
} else if (role === 'serve') {
  const [host, port] = rest;
  if (!host || !port) die('serve needs <target-host> <target-port>');
  rmSync(unixPath, { force: true });
  pending++;
  const server = net.createServer((conn) => pipe(conn, net.connect({ host, port: Number(port) })));
  server.on('error', (err) => die(`serve ${unixPath}: ${err.message}`));
  server.listen(unixPath, ready);
  process.on('exit', () => rmSync(unixPath, { force: true }));
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
} else {
  die(`unknown role ${role}`);
}
