// Loads the l2lb_packet addon (built by scripts/build-native.sh into build/Release), found
// from the repository (or image) root: the first directory upwards with a package.json, so the
// same code works from speaker/native/*.ts (ts-jest) and dist/speaker/native/*.js alike.
// L2LB_PACKET_ADDON overrides the path.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BpfInstruction } from './bpf.js';

export const ADDON_RELATIVE_PATH = 'speaker/native/build/Release/l2lb_packet.node';

export interface NativePacketSocket {
  start(onFrames: (frames: Buffer[]) => void, onError: (err: Error) => void): void;
  send(frame: Uint8Array): number;
  stats(): { packets: number; drops: number };
  outgoingFilter(): OutgoingFilter;
  ref(): void;
  unref(): void;
  close(): void;
}

/**
 * How a packet socket keeps out frames other local senders transmit: PACKET_IGNORE_OUTGOING
 * (Linux 4.20+) or, where the kernel refuses it, a BPF prefix dropping pkttype PACKET_OUTGOING.
 */
export type OutgoingFilter = 'socket-option' | 'bpf';

export interface NativeLinkMonitor {
  start(onChange: () => void, onError: (err: Error) => void): void;
  ref(): void;
  unref(): void;
  close(): void;
}

export interface NativeAddon {
  PacketSocket: new (ifindex: number, ethertype: number, filter: BpfInstruction[] | undefined, receiveBufferBytes: number | undefined, skipIgnoreOutgoing: boolean) => NativePacketSocket;
  LinkMonitor: new () => NativeLinkMonitor;
}

export function addonPath(): string {
  const override = process.env['L2LB_PACKET_ADDON'];
  if (override) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(dir, ADDON_RELATIVE_PATH);
}

let loaded: NativeAddon | undefined;

export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  const path = addonPath();
  if (!existsSync(path)) throw new Error(`the AF_PACKET addon is not built (${path}): run \`make build\` or scripts/build-native.sh`);
  const mod = createRequire(import.meta.url)(path) as Partial<Record<keyof NativeAddon, unknown>>;
  const proto = (mod.PacketSocket as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  if (typeof mod.PacketSocket !== 'function' || typeof mod.LinkMonitor !== 'function' || typeof proto?.['outgoingFilter'] !== 'function') {
    throw new Error(`${path} is not the l2lb addon (or an old build: run scripts/build-native.sh)`);
  }
  loaded = mod as NativeAddon;
  return loaded;
}
