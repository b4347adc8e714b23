import { createConnection } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { parseEchoReply } from './reply.js';
import { tcpEchoServer } from './tcp.js';

describe('tcpEchoServer', () => {
  const server = tcpEchoServer({ node: 'node1', pod: 'p1' });
  let port = 0;
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve())).then(() => (port = (server.address() as AddressInfo).port)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers every line on the same connection', async () => {
    const sock = createConnection({ host: '127.0.0.1', port });
    const lines = createInterface({ input: sock })[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) {
      sock.write('?\n');
      const { value } = await lines.next();
      expect(parseEchoReply(String(value))).toEqual({ node: 'node1', pod: 'p1', client: '127.0.0.1' });
    }
    sock.destroy();
  });

  it('"blob N" sends N bytes and closes', async () => {
    const got = await new Promise<number>((resolve) => {
      let n = 0;
      const sock = createConnection({ host: '127.0.0.1', port }, () => sock.write('blob 100000\n'));
      sock.on('data', (d: Buffer) => (n += d.length));
      sock.on('close', () => resolve(n));
    });
    expect(got).toBe(100_000);
  });
});

describe('tcpEchoServer and resets', () => {
  it('keeps serving after a client resets its connection', async () => {
    const server = tcpEchoServer({ node: 'n', pod: 'p' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const reset = createConnection({ host: '127.0.0.1', port });
    await new Promise((r) => reset.once('connect', r));
    reset.write('?\n');
    reset.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 100));
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.write('?\n');
    const { value } = await createInterface({ input: sock })[Symbol.asyncIterator]().next();
    expect(parseEchoReply(String(value))?.node).toBe('n');
    sock.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
