// l2lb-echo: a tiny HTTP backend for tests and demos, shipped in the l2lb image. Every request is
// answered with echoReply (node, pod, client address). The node and pod names come from the
// environment (NODE_NAME, POD_NAME: the downward API), the port from --port or PORT (default 8080).
// It listens on every IPv4 and IPv6 address and exits 0 on SIGTERM once open connections closed.
// With --tcp it speaks the line protocol of tcp.ts instead of HTTP (long-lived flows, blobs).
import { createServer } from 'node:http';
import { echoReply } from './reply.js';
import { tcpEchoServer } from './tcp.js';

function port(argv: readonly string[]): number {
  const i = argv.indexOf('--port');
  const text = i >= 0 ? argv[i + 1] : process.env['PORT'];
  const n = Number(text ?? 8080);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`l2lb-echo: invalid port ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

const who = { node: process.env['NODE_NAME'] ?? '', pod: process.env['POD_NAME'] ?? '' };
const server = process.argv.includes('--tcp')
  ? tcpEchoServer(who)
  : createServer((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.setHeader('connection', 'close');
      res.end(echoReply(who, req.socket.remoteAddress));
    });
server.listen(port(process.argv.slice(2)), '::', () => {
  const addr = server.address();
  console.log(`l2lb-echo listening on ${typeof addr === 'object' && addr ? addr.port : '?'}${process.argv.includes('--tcp') ? ' (tcp lines)' : ''} as node=${who.node} pod=${who.pod}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
