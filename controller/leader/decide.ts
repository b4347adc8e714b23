// Leader election on a coordination.k8s.io Lease, decided as client-go does: expiry is judged by
// when *we* last saw the lease record change (local monotonic time), never by comparing our
// clock with the renewTime another replica wrote, so clock skew between nodes cannot cause two
// leaders.
export interface LeaseRecord {
  readonly holder: string;
  /** Opaque: any change (holder, renewTime, transitions) proves the holder is alive. */
  readonly fingerprint: string;
  readonly durationMs: number;
}

export interface Observation {
  readonly fingerprint: string;
  /** Local monotonic time at which this fingerprint was first seen. */
  readonly seenAt: number;
}

export type LeaseAction =
  | { kind: 'create' }
  | { kind: 'renew' }
  | { kind: 'takeover'; previousHolder: string }
  | { kind: 'wait'; holder: string; expiresInMs: number };

export function decideLease(
  record: LeaseRecord | undefined,
  observation: Observation | undefined,
  identity: string,
  now: number,
): LeaseAction {
  if (!record) return { kind: 'create' };
  if (record.holder === identity) return { kind: 'renew' };
  if (record.holder === '') return { kind: 'takeover', previousHolder: '' };
  const seenAt = observation && observation.fingerprint === record.fingerprint ? observation.seenAt : now;
  const expiresInMs = seenAt + record.durationMs - now;
  if (expiresInMs <= 0) return { kind: 'takeover', previousHolder: record.holder };
  return { kind: 'wait', holder: record.holder, expiresInMs };
}

/** The observation to keep after reading `record` at `now`. */
export function observe(record: LeaseRecord | undefined, previous: Observation | undefined, now: number): Observation | undefined {
  if (!record) return undefined;
  if (previous && previous.fingerprint === record.fingerprint) return previous;
  return { fingerprint: record.fingerprint, seenAt: now };
}
