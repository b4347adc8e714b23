// What the echo server answers: one line naming the node and pod that served the request and the
// client address the pod saw, so a test can tell which backend (and which path through
// kube-proxy) a request took, and whether the client's address was preserved.

export interface EchoIdentity {
  readonly node: string;
  readonly pod: string;
}

/** `node=<node> pod=<pod> client=<address>\n`; an IPv4-mapped IPv6 client shows as IPv4. */
export function echoReply(who: EchoIdentity, clientAddress: string | undefined): string {
  const client = (clientAddress ?? 'unknown').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return `node=${who.node || 'unknown'} pod=${who.pod || 'unknown'} client=${client}\n`;
}

export interface ParsedEchoReply {
  readonly node: string;
  readonly pod: string;
  readonly client: string;
}

/** The fields of an echoReply line, or undefined for anything else. */
export function parseEchoReply(line: string): ParsedEchoReply | undefined {
  const m = /^node=(\S+) pod=(\S+) client=(\S+)$/.exec(line.trim());
  return m ? { node: m[1]!, pod: m[2]!, client: m[3]! } : undefined;
}
