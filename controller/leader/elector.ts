// The I/O loop around decideLease: reads the Lease every retry period, creates/renews/takes it
// over with optimistic concurrency (resourceVersion), and reports leadership changes.
//
// Fencing. Leadership is held on the local monotonic clock: a successful create/renew/takeover
// whose request was sent at t makes this replica the holder until t + renewDeadline. A standby
// measures leaseDuration from the moment it *sees* that renewal, which is after t, so with
// renewDeadline < leaseDuration the two intervals never overlap, whatever the wall clocks say.
// The deadline is enforced three ways: a timer steps down when it passes (a hung request cannot
// extend leadership); every Lease request is bounded by the time left; and holdsLease() compares
// the clock itself, for the writer's check just before it sends (a process stopped by SIGSTOP
// runs its I/O callbacks before its timers when it resumes, so a timer alone is too late).
import type { V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../shared/log.js';
import { apiStatus, describeApiError, type CallOptions, type KubeClient } from '../../shared/k8s/client.js';
import { microTime } from '../../shared/k8s/microtime.js';
import { resourcePath } from '../../shared/k8s/url.js';
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

/** A Lease as JSON carries it: MicroTime fields are strings (client-node's type says Date). */
type LeaseSpecJson = Omit<V1LeaseSpec, 'acquireTime' | 'renewTime'> & { acquireTime?: string; renewTime?: string };
export type LeaseJson = Omit<V1Lease, 'spec'> & { spec?: LeaseSpecJson };

export class LeaseElector {
  private readonly leases: string;
  private observation: Observation | undefined;
  private leading = false;
  /** Monotonic ms: leadership ends here unless a renewal sent before it succeeds. */
  private validUntil = 0;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The tick in progress, if any: stop() waits for it, or its renewal could land after the release. */
  private running: Promise<void> | undefined;
  /** We wrote the Lease with our identity and have not seen anyone else take it since. */
  private mayHold = false;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: ElectorOptions,
    private readonly log: Logger,
    private readonly onChange: (leading: boolean) => void,
  ) {
    this.leases = resourcePath({ group: 'coordination.k8s.io', version: 'v1', namespace: opts.namespace, plural: 'leases' });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Leads, and the last successful renewal is within the renew deadline at this very instant. */
  holdsLease(now = performance.now()): boolean {
    return this.leading && now < this.validUntil;
  }

  /** How long this replica may still act as leader without another renewal (0 when not leading). */
  leaseLeftMs(now = performance.now()): number {
    return this.leading ? Math.max(0, this.validUntil - now) : 0;
  }

  /** A Lease request: a leader's is bounded by the time its leadership has left. */
  private call(): CallOptions {
    const left = this.leading ? this.validUntil - performance.now() : this.opts.renewDeadlineMs;
    return { timeoutMs: Math.max(1, Math.min(left, this.opts.renewDeadlineMs)) };
  }

  start(): void {
    this.stopped = false;
    this.running = this.tick();
  }

  /** Stops electing; a leader releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    clearTimeout(this.deadlineTimer);
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
      const call = { timeoutMs: this.opts.renewDeadlineMs };
      const lease = await this.client.get<LeaseJson>(this.leasePath(), undefined, call);
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      lease.spec.holderIdentity = '';
      lease.spec.renewTime = microTime(Date.now());
      await this.client.replace(this.leasePath(), lease, call);
    } catch (err) {
      this.log.warn('leaseReleaseFailed', 'could not release the leader Lease; the standby takes over when it expires', { error: describeApiError(err) });
    }
  }

  private leasePath(): string {
    return `${this.leases}/${encodeURIComponent(this.opts.name)}`;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, ms);
  }

  private setLeading(leading: boolean): void {
    if (!leading) {
      clearTimeout(this.deadlineTimer);
      this.validUntil = 0;
    }
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
    if (this.leading && !this.holdsLease()) this.setLeading(false);
    this.schedule(this.opts.retryPeriodMs);
  }

  private async attempt(now: number): Promise<void> {
    const { namespace, name, identity } = this.opts;
    let lease: LeaseJson | undefined;
    try {
      lease = await this.client.get<LeaseJson>(this.leasePath(), undefined, this.call());
    } catch (err) {
      if (apiStatus(err) !== 404) throw err;
    }
    const record = lease ? toRecord(lease, this.opts.leaseDurationMs) : undefined;
    this.observation = observe(record, this.observation, now);
    const action = decideLease(record, this.observation, identity, now);
    const stamp = microTime(Date.now()); // with the six fractional digits the API requires
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    // Leadership counts from the moment the write is sent: the server stamps it later, and a
    // standby starts its leaseDuration only when it sees the stamp.
    const sentAt = performance.now();
    switch (action.kind) {
      case 'wait':
        this.mayHold = false;
        this.setLeading(false);
        return;
      case 'create':
        await this.client.create<LeaseJson>(
          this.leases,
          {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: stamp, renewTime: stamp, leaseTransitions: 0 },
          } satisfies LeaseJson,
          this.call(),
        );
        break;
      case 'renew':
      case 'takeover': {
        const spec = lease!.spec ?? {};
        const taking = action.kind === 'takeover';
        const body: LeaseJson = {
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
        await this.client.replace<LeaseJson>(this.leasePath(), body, this.call());
        if (taking) this.log.info('leaseAcquired', 'took over the leader Lease', { previousHolder: action.previousHolder });
        break;
      }
    }
    this.mayHold = true;
    this.renewed(sentAt);
  }

  /** A create/renew/takeover sent at `sentAt` succeeded: lead until sentAt + renewDeadline. */
  private renewed(sentAt: number): void {
    const until = sentAt + this.opts.renewDeadlineMs;
    const left = until - performance.now();
    // Stopping: the write is released by stop(); becoming leader now would start work. An answer
    // that came after its own deadline proves nothing about now.
    if (this.stopped || left <= 0) return;
    this.validUntil = until;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => {
      if (this.leading && !this.holdsLease()) {
        this.log.warn('renewDeadlinePassed', 'no Lease renewal within the renew deadline; stepping down', { identity: this.opts.identity });
        this.setLeading(false);
      }
    }, left + 1);
    this.setLeading(true);
  }
}

function toRecord(lease: LeaseJson, fallbackDurationMs: number): LeaseRecord {
  const spec = lease.spec ?? {};
  const renew = spec.renewTime ?? '';
  return {
    holder: spec.holderIdentity ?? '',
    fingerprint: `${spec.holderIdentity ?? ''}|${renew}|${spec.leaseTransitions ?? 0}|${lease.metadata?.resourceVersion ?? ''}`,
    durationMs: spec.leaseDurationSeconds ? spec.leaseDurationSeconds * 1000 : fallbackDurationMs,
  };
}
