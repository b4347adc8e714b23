import { echoReply, parseEchoReply } from './reply.js';

describe('echoReply', () => {
  test.each([
    [{ node: 'node1', pod: 'web-1' }, '192.0.2.100', 'node=node1 pod=web-1 client=192.0.2.100\n'],
    [{ node: 'node2', pod: 'web-2' }, '::ffff:192.0.2.100', 'node=node2 pod=web-2 client=192.0.2.100\n'],
    [{ node: 'node3', pod: 'web-3' }, '2001:db8::100', 'node=node3 pod=web-3 client=2001:db8::100\n'],
    [{ node: '', pod: '' }, undefined, 'node=unknown pod=unknown client=unknown\n'],
  ])('%j from %s', (who, client, want) => {
    expect(echoReply(who, client)).toBe(want);
  });

  test('parseEchoReply reads back what echoReply writes', () => {
    expect(parseEchoReply(echoReply({ node: 'node1', pod: 'p' }, '10.244.1.1'))).toEqual({ node: 'node1', pod: 'p', client: '10.244.1.1' });
    expect(parseEchoReply('HTTP/1.1 503')).toBeUndefined();
  });
});
