// The `nft` binary, the only thing that touches the kernel's rules: apply a ruleset from stdin
// (`nft -f -` applies the whole file as one transaction, or nothing) and read the table's named
// counters. Needs CAP_NET_ADMIN. Errors come back as values, with nft's own message.
import { spawn } from 'node:child_process';
import { TABLE_NAME } from './render.js';

export type NftResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface CounterValue {
  readonly packets: number;
  readonly bytes: number;
}

export interface Nft {
  apply(ruleset: string): Promise<NftResult<void>>;
  /** Named counters of the spreading table; an absent table has none. */
  counters(): Promise<NftResult<Map<string, CounterValue>>>;
}

const TIMEOUT_MS = 10_000;

function run(command: readonly string[], args: readonly string[], stdin: string): Promise<NftResult<string>> {
  const [binary = 'nft', ...pre] = command;
  return new Promise((resolve) => {
    const child = spawn(binary, [...pre, ...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => resolve({ ok: false, error: `${binary}: ${e.message}` }));
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ ok: true, value: out });
      else resolve({ ok: false, error: `${binary} ${args.join(' ')} failed (${signal ?? code}): ${err.trim().slice(0, 2_000)}` });
    });
    child.stdin.on('error', () => undefined); // the close handler reports the failure
    child.stdin.end(stdin);
  });
}

/** `command`: how to run nft (tests run it in a network namespace: ip netns exec NS nft). */
export function systemNft(command: readonly string[] = ['nft']): Nft {
  return {
    apply: async (ruleset) => {
      const r = await run(command, ['-f', '-'], ruleset);
      return r.ok ? { ok: true, value: undefined } : r;
    },
    counters: async () => {
      const r = await run(command, ['-j', 'list', 'counters', 'table', 'netdev', TABLE_NAME], '');
      if (!r.ok) return /No such file or directory/.test(r.error) ? { ok: true, value: new Map() } : r;
      return parseCounters(r.value);
    },
  };
}

/** `nft -j list counters` output -> counter name -> values. */
export function parseCounters(json: string): NftResult<Map<string, CounterValue>> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    return { ok: false, error: `nft printed something that is not JSON: ${(e as Error).message}` };
  }
  const items = typeof doc === 'object' && doc !== null && Array.isArray((doc as { nftables?: unknown }).nftables) ? (doc as { nftables: unknown[] }).nftables : undefined;
  if (items === undefined) return { ok: false, error: 'nft JSON without an "nftables" array' };
  const out = new Map<string, CounterValue>();
  for (const item of items) {
    const c = typeof item === 'object' && item !== null ? (item as { counter?: unknown }).counter : undefined;
    if (typeof c !== 'object' || c === null) continue;
    const { name, table, packets, bytes } = c as Record<string, unknown>;
    if (table !== TABLE_NAME || typeof name !== 'string' || typeof packets !== 'number' || typeof bytes !== 'number') continue;
    out.set(name, { packets, bytes });
  }
  return { ok: true, value: out };
}
