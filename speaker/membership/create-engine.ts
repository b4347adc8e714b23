// Which engine a speaker runs. One place, so the UDP shell and the simulation agree.
import type { MembershipEngine } from './engine.js';
import type { ProtocolOptions } from './protocol.js';
import { V1Engine } from './v1-engine.js';

export type WireVersion = 'v1' | 'v2';

export interface EngineOptions extends ProtocolOptions {
  readonly intervalMs: number;
  readonly tickMs: number;
}

export function createEngine(version: WireVersion, opts: EngineOptions, now: number): MembershipEngine {
  switch (version) {
    case 'v1':
    case 'v2':
      return new V1Engine(opts, now);
  }
}
