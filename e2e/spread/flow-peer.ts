// The client end of long-lived TCP flows for flow-spreading tests, run inside a lab namespace.
// The server is l2lb-echo --tcp (echo/tcp.ts). The client:
//   node dist/e2e/spread/flow-peer.js client             driven by JSON lines on stdin:
//     {"op":"open","host":H,"port":P,"count":N}  opens N connections (one new source port each)
//                                                 and asks each once: {"nodes":[line|error...]}
//     {"op":"ask"}                                asks every connection again: {"answers":[line|error...]}
//     {"op":"pull","host":H,"port":P,"parallel":C,"bytes":N,"seconds":S,"warmup":W}
//                                                 keeps C connections pulling N-byte blobs (a new
//                                                 connection each) for W + S seconds, then closes
//                                                 them: {"bytes":B,"ms":S*1000}, B the bytes that
//                                                 arrived in the S seconds after the warm-up
// A connection that was reset or timed out answers with its error ("error: ECONNRESET").
import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const ASK_TIMEOUT_MS = 3_000;

interface Flow {
  readonly sock: Socket;
  lines: string[];
  waiters: ((line: string) => void)[];
  error: string | undefined;
}

function open(host: string, port: number): Promise<Flow> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    const flow: Flow = { sock, lines: [], waiters: [], error: undefined };
    const fail = (e: string): void => {
      flow.error ??= e;
      for (const w of flow.waiters.splice(0)) w(`error: ${flow.error}`);
    };
    sock.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    sock.on('close', () => fail('closed'));
    // readline re-emits the socket's errors; the socket's own handler records them.
    createInterface({ input: sock }).on('error', () => undefined).on('line', (l) => {
      const w = flow.waiters.shift();
      if (w) w(l);
      else flow.lines.push(l);
    });
    sock.once('connect', () => resolve(flow));
    sock.once('error', () => resolve(flow));
  });
}

function ask(flow: Flow): Promise<string> {
  if (flow.error !== undefined) return Promise.resolve(`error: ${flow.error}`);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('error: timeout'), ASK_TIMEOUT_MS);
    flow.waiters.push((l) => {
      clearTimeout(timer);
      resolve(l);
    });
    flow.sock.write('?\n');
  });
}

/**
 * Throughput as bytes arriving in a fixed window, not as completed blobs: counting whole blobs
 * would stretch the run until the last blob ends, and in that tail nodes whose connections are done
 * sit idle while one still sends, which understates any setup that spreads connections over
 * several links. Connections still open when the window ends are closed.
 */
async function pull(host: string, port: number, parallel: number, bytes: number, seconds: number, warmup: number): Promise<{ bytes: number; ms: number }> {
  const from = performance.now() + warmup * 1000;
  const until = from + seconds * 1000;
  let total = 0;
  const open = new Set<Socket>();
  const pullOnce = (): Promise<number> => new Promise((resolve) => {
    let got = 0;
    const sock = createConnection({ host, port }, () => sock.write(`blob ${bytes}\n`));
    open.add(sock);
    sock.on('data', (d: Buffer) => {
      got += d.length;
      const t = performance.now();
      if (t >= from && t < until) total += d.length;
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      open.delete(sock);
      resolve(got);
    });
  });
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      // A refused or reset connection must not turn into a busy loop of new ones.
      if ((await pullOnce()) === 0) await new Promise((r) => setTimeout(r, 50));
    }
  };
  // A timer may fire up to a millisecond early: a connection opened in that millisecond would run
  // its whole blob past the window, so the timer is a little late instead.
  const stop = setTimeout(() => {
    for (const s of open) s.destroy();
  }, Math.ceil(until - performance.now()) + 2);
  await Promise.all(Array.from({ length: parallel }, worker));
  clearTimeout(stop);
  return { bytes: total, ms: seconds * 1000 };
}

function client(): void {
  const flows: Flow[] = [];
  const reply = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const cmd = JSON.parse(line) as { op: string; host?: string; port?: number; count?: number; parallel?: number; bytes?: number; seconds?: number; warmup?: number };
    void (async () => {
      if (cmd.op === 'open') {
        const fresh: Flow[] = [];
        for (let i = 0; i < (cmd.count ?? 1); i++) fresh.push(await open(cmd.host ?? '', cmd.port ?? 0));
        flows.push(...fresh);
        reply({ nodes: await Promise.all(fresh.map(ask)) });
      } else if (cmd.op === 'ask') reply({ answers: await Promise.all(flows.map(ask)) });
      else if (cmd.op === 'pull') reply(await pull(cmd.host ?? '', cmd.port ?? 0, cmd.parallel ?? 1, cmd.bytes ?? 0, cmd.seconds ?? 1, cmd.warmup ?? 0));
      else reply({ error: `unknown op ${cmd.op}` });
    })();
  });
  process.stdin.on('end', () => process.exit(0));
}

if (process.argv[2] === 'client') client();
else {
  process.stderr.write('usage: flow-peer client\n');
  process.exit(2);
}
