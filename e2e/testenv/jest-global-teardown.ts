// Stops the integration suite's control plane, whatever the tests did, then names what would still
// keep jest's process alive (both the integration and the lab project run this). `make test` passes
// --forceExit because a whole-project run sometimes stayed alive after every test had passed,
// holding sockets that no single suite left behind; the line below names them when it happens.
// (No relative imports: see jest-global-setup.ts.)
import { ChildProcess } from 'node:child_process';
import { Server, Socket } from 'node:net';

interface NativeHandle {
  readonly fd?: number;
  hasRef?(): boolean;
}

/** Referenced handles other than stdio: sockets, servers and child processes, described. */
function openHandles(): string[] {
  const all = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const out: string[] = [];
  for (const h of all) {
    const native = (h as { _handle?: NativeHandle | null })._handle;
    if (native?.hasRef && !native.hasRef()) continue;
    if (h === process.stdin || h === process.stdout || h === process.stderr) continue;
    if (h instanceof ChildProcess) out.push(`child process ${h.pid ?? '?'} (${h.spawnfile} ${h.spawnargs.slice(1, 4).join(' ')})`);
    else if (h instanceof Server) out.push(`server ${JSON.stringify(h.address())}`);
    else if (h instanceof Socket) {
      if (native?.fd !== undefined && native.fd >= 0 && native.fd <= 2) continue;
      out.push(h.remoteAddress ? `socket ${h.localAddress}:${h.localPort} -> ${h.remoteAddress}:${h.remotePort}` : `socket or pipe (fd ${native?.fd ?? '?'}, ${h.readable ? 'readable' : 'not readable'})`);
    } else out.push((h as object).constructor?.name ?? typeof h);
  }
  return out;
}

export default async function globalTeardown(): Promise<void> {
  const cp = globalThis.__L2LB_TESTENV__;
  globalThis.__L2LB_TESTENV__ = undefined;
  delete process.env['L2LB_TESTENV_FILE'];
  await cp?.stop();
  // Closing sockets finish within a turn or two: only what outlives a short wait is a leak.
  await new Promise((resolve) => setTimeout(resolve, 500));
  // Timers and requests are not handles: counted by kind (a ref'd interval keeps jest alive too).
  const others = process.getActiveResourcesInfo().filter((r) => !/Wrap$/.test(r));
  const counts = [...new Set(others)].map((r) => `${r} x${others.filter((o) => o === r).length}`);
  const left = [...openHandles(), ...(counts.length > 0 ? [`other resources: ${counts.join(', ')}`] : [])];
  if (left.length > 0) process.stderr.write(`jest: ${left.length} open handle(s) after the run, keeping the process alive:\n${left.map((l) => `  ${l}`).join('\n')}\n`);
}
