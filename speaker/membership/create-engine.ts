// Which engine a speaker runs. One place, so the UDP shell and the simulation agree.
import type { MembershipEngine } from './engine.js';
import type { ProtocolOptions } from './protocol.js';
import { BilingualEngine } from './bilingual.js';
import { V1Engine } from './v1-engine.js';
import { V2Engine } from './v2/engine.js';

/** v2 speaks version 2 and falls back to version 1 while version 1 speakers remain (bilingual.ts). */
export type WireVersion = 'v1' | 'v2' | 'v2-only';

export interface EngineOptions extends ProtocolOptions {
  readonly intervalMs: number;
  readonly tickMs: number;
}

export function createEngine(version: WireVersion, opts: EngineOptions, now: number): MembershipEngine {
  switch (version) {
    case 'v1':
      return new V1Engine(opts, now);
    case 'v2':
      return new BilingualEngine(opts, now);
    case 'v2-only':
      return new V2Engine(opts, now);
  }
}
