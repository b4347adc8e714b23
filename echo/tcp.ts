// l2lb-echo --tcp: long-lived TCP flows for tests that follow connections (flow spreading,
// failover). Every line a client sends is answered with one echoReply line on the same
// connection; the line "blob N" is answered with N bytes, after which the server closes the
// connection (bulk transfers for throughput figures).
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { echoReply, type EchoIdentity } from './reply.js';

/** Largest blob one request may ask for (1 GiB). */
const MAX_BLOB = 2 ** 30;

export function tcpEchoServer(who: EchoIdentity): Server {
  return createServer((sock) => {
    sock.on('error', () => undefined); // a client that resets is the client's business
    // readline re-emits the socket's errors: without a listener a reset would crash the server.
    createInterface({ input: sock }).on('error', () => undefined).on('line', (line) => {
      const blob = /^blob (\d+)$/.exec(line.trim());
      if (blob) sock.end(Buffer.alloc(Math.min(Number(blob[1]), MAX_BLOB), 0x78));
      else sock.write(echoReply(who, sock.remoteAddress));
    });
  });
}
