// The controller's ConfigurationState object (`controller`): written by the leading replica only,
// Valid or Invalid naming every bad IPAddressPool, AddressPool and L2Advertisement: the pools as
// the term's allocator judged them (an overlap names the pool whose change caused it).
// A replica that steps down stops writing at once; a planned stop of the leader deletes it.
import { configurationErrors, type PodRef } from '../shared/config-state/status.js';
import { ConfigurationStateWriter, type WriteCounter } from '../shared/config-state/writer.js';
import type { KubeClient } from '../shared/k8s/client.js';
import type { PoolVerdict } from '../shared/api/validate.js';
import type { Logger } from '../shared/log.js';
import type { ControllerInformers } from './informers.js';

export class ControllerConfigState {
  private writer: ConfigurationStateWriter | undefined;

  constructor(
    private readonly d: { readonly kc: KubeClient; readonly namespace: string; readonly pod: PodRef | undefined; readonly log: Logger; readonly informers: ControllerInformers; readonly countWrite: WriteCounter; readonly poolVerdicts: () => readonly PoolVerdict[] | undefined },
  ) {}

  /** A new term: this replica writes the object from now on. */
  lead(): void {
    this.writer?.stop();
    this.writer = new ConfigurationStateWriter(this.d.kc, this.d.namespace, { type: 'controller' }, this.d.log, this.d.countWrite, this.d.pod);
    this.report();
  }

  /** The caches changed: report their errors (a no-op on a standby, and when nothing changed). */
  report(): void {
    const verdicts = this.d.poolVerdicts();
    if (verdicts === undefined) return; // the term has not judged the pools yet
    this.writer?.report(configurationErrors(verdicts, [...this.d.informers.advertisements.list()]));
  }

  /** Lost the lead: the next leader writes it. */
  stepDown(): void {
    this.writer?.stop();
    this.writer = undefined;
  }

  /** A planned stop of the leader: the object goes with it. */
  async remove(): Promise<void> {
    const w = this.writer;
    this.writer = undefined;
    await w?.remove();
  }
}
