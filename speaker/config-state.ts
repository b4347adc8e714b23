// The speaker's ConfigurationState object (speaker-<node>): Valid, or Invalid naming every bad
// IPAddressPool and L2Advertisement its caches hold; kept current as they change, deleted on a
// planned stop.
import { resolvePoolConfig } from '../shared/api/pool-config.js';
import { configurationErrors } from '../shared/config-state/status.js';
import { ConfigurationStateWriter, type WriteCounter } from '../shared/config-state/writer.js';
import type { SpeakerConfig } from './config.js';
import type { SpeakerInformers } from './informers.js';

export class SpeakerConfigState {
  private readonly writer: ConfigurationStateWriter;

  constructor(cfg: Pick<SpeakerConfig, 'kc' | 'namespace' | 'nodeName' | 'log' | 'pod'>, private readonly informers: SpeakerInformers, countWrite: WriteCounter) {
    this.writer = new ConfigurationStateWriter(cfg.kc, cfg.namespace, { type: 'speaker', node: cfg.nodeName }, cfg.log, countWrite, cfg.pod);
  }

  /** Called last in start-up: its API writes wait until announcing and heartbeats are up. */
  start(): void {
    const i = this.informers;
    // No memory of its own: the last valid specs the controller wrote into the pools' statuses
    // decide overlaps, so this verdict matches the controller's.
    const report = (): void => {
      const pools = resolvePoolConfig([...i.pools.list()], [...i.legacyPools.list()], new Map());
      this.writer.report(configurationErrors(pools.verdicts, [...i.advertisements.list()]));
    };
    for (const inf of [i.pools, i.legacyPools, i.advertisements]) inf.on(report);
    report();
  }

  remove(): Promise<void> {
    return this.writer.remove();
  }
}
