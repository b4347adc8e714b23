// The I/O loop around decideLease: reads the Lease every retry period, creates/renews/takes it
// over with optimistic concurrency (resourceVersion), and reports leadership changes. A leader
// that cannot renew within renewDeadline steps down before anyone else may take over
// (renewDeadline < leaseDuration), so two replicas never write at once.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../shared/log.js';
import { apiStatus, describeApiError } from '../../shared/k8s/client.js';
import { decideLease, observe, type LeaseRecord, type Observation } from './decide.js';

export interface ElectorOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export const defaultElectorTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export class LeaseElector {
  private readonly api: CoordinationV1Api;
  private observation: Observation | undefined;
  private leading = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The tick in progress, if any: stop() waits for it, or its renewal could land after the release. */
  private running: Promise<void> | undefined;
  /** We wrote the Lease with our identity and have not seen anyone else take it since. */
  private mayHold = false;

  constructor(
    kc: KubeConfig,
    private readonly opts: ElectorOptions,
    private readonly log: Logger,
    private readonly onChange: (leading: boolean) => void,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    this.running = this.tick();
  }

  /** Stops electing; a leader releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // A renewal in flight would otherwise write our identity back after the release below, and
    // the standby would have to wait for the Lease to expire.
    // Bounded: a request hanging on a dead API server must not keep the process from exiting.
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((r) => (timeout = setTimeout(r, this.opts.renewDeadlineMs)))]);
    clearTimeout(timeout);
    this.setLeading(false);
    if (!this.mayHold) return;
    this.mayHold = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      lease.spec.holderIdentity = '';
      lease.spec.renewTime = new V1MicroTime();
      if (lease.spec.acquireTime) lease.spec.acquireTime = microTime(lease.spec.acquireTime);
      await this.api.replaceNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace, body: lease });
    } catch (err) {
      this.log.warn('leaseReleaseFailed', 'could not release the leader Lease; the standby takes over when it expires', { error: describeApiError(err) });
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, ms);
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.log.info(leading ? 'leaderElected' : 'leaderLost', leading ? 'this replica leads and writes' : 'this replica stopped leading', { identity: this.opts.identity });
    this.onChange(leading);
  }

  private async tick(): Promise<void> {
    const now = performance.now();
    try {
      await this.attempt(now);
    } catch (err) {
      const status = apiStatus(err);
      if (status !== 409) this.log.warn('leaseError', 'leader election request failed', { error: describeApiError(err) });
    }
    if (this.leading && performance.now() - this.lastRenew > this.opts.renewDeadlineMs) this.setLeading(false);
    this.schedule(this.opts.retryPeriodMs);
  }

  private async attempt(now: number): Promise<void> {
    const { namespace, name, identity } = this.opts;
    let lease: V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (apiStatus(err) !== 404) throw err;
    }
    const record = lease ? toRecord(lease, this.opts.leaseDurationMs) : undefined;
    this.observation = observe(record, this.observation, now);
    const action = decideLease(record, this.observation, identity, now);
    const stamp = new V1MicroTime(); // serialises with the microseconds the API requires
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    switch (action.kind) {
      case 'wait':
        this.mayHold = false;
        this.setLeading(false);
        return;
      case 'create':
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: stamp, renewTime: stamp, leaseTransitions: 0 },
          },
        });
        break;
      case 'renew':
      case 'takeover': {
        const spec = lease!.spec ?? {};
        const taking = action.kind === 'takeover';
        const body: V1Lease = {
          ...lease!,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: stamp,
            acquireTime: taking || !spec.acquireTime ? stamp : microTime(spec.acquireTime),
            leaseTransitions: (spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
          },
        };
        await this.api.replaceNamespacedLease({ name, namespace, body });
        if (taking) this.log.info('leaseAcquired', 'took over the leader Lease', { previousHolder: action.previousHolder });
        break;
      }
    }
    this.mayHold = true;
    this.lastRenew = performance.now();
    // Stopping: the write above is released by stop(); becoming leader now would start work.
    if (!this.stopped) this.setLeading(true);
  }
}

/**
 * A time read back from a Lease, ready to be written again. client-node types it as a Date but
 * leaves MicroTime fields as the server's string; the API wants MicroTime's microsecond format.
 */
export function microTime(t: Date | string): V1MicroTime {
  return new V1MicroTime(t instanceof Date ? t.getTime() : Date.parse(t));
}

function toRecord(lease: V1Lease, fallbackDurationMs: number): LeaseRecord {
  const spec = lease.spec ?? {};
  const renew = spec.renewTime instanceof Date ? spec.renewTime.toISOString() : String(spec.renewTime ?? '');
  return {
    holder: spec.holderIdentity ?? '',
    fingerprint: `${spec.holderIdentity ?? ''}|${renew}|${spec.leaseTransitions ?? 0}|${lease.metadata?.resourceVersion ?? ''}`,
    durationMs: spec.leaseDurationSeconds ? spec.leaseDurationSeconds * 1000 : fallbackDurationMs,
  };
}
