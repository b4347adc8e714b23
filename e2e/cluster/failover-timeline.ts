// Where a failover's time goes, from the speakers' own logs: when the first survivor's heartbeat
// thread decided the death, when every survivor had, when the new owner's thread decided it, when
// its main thread logged it (the thread-to-main hop and any queueing behind other work), and when
// it announced the VIP. All as milliseconds after the fault; undefined when a line is missing.
import type { NodeLog } from './log-marks.js';

export interface FailoverTimeline {
  readonly firstDecisionMs?: number;
  readonly lastDecisionMs?: number;
  /** Survivors that logged the death. */
  readonly decided: number;
  readonly ownerDecisionMs?: number;
  readonly ownerLoggedMs?: number;
  readonly ownerAnnouncedMs?: number;
}

const wallMs = (l: NodeLog): number => Date.parse(String(l['ts']));

/** `logs`: every speaker's lines since just before the fault; `t0`: the fault (ms since the epoch). */
export function failoverTimeline(logs: readonly NodeLog[], victim: string, newOwner: string, ip: string, t0: number): FailoverTimeline {
  const deaths = logs.filter((l) => l.event === 'peerDead' && l['peer'] === victim && l.node !== victim && typeof l['at'] === 'number');
  const decidedAt = deaths.map((l) => (l['at'] as number) - t0).sort((a, b) => a - b);
  const ownerDeath = deaths.find((l) => l.node === newOwner);
  const announced = logs.find((l) => l.event === 'serviceAnnounced' && l.node === newOwner && Array.isArray(l['ips']) && (l['ips'] as unknown[]).includes(ip));
  const opt = (key: string, v: number | undefined): Record<string, number> => (v === undefined ? {} : { [key]: Math.round(v) });
  return {
    decided: deaths.length,
    ...opt('firstDecisionMs', decidedAt[0]),
    ...opt('lastDecisionMs', decidedAt[decidedAt.length - 1]),
    ...opt('ownerDecisionMs', ownerDeath ? (ownerDeath['at'] as number) - t0 : undefined),
    ...opt('ownerLoggedMs', ownerDeath ? wallMs(ownerDeath) - t0 : undefined),
    ...opt('ownerAnnouncedMs', announced ? wallMs(announced) - t0 : undefined),
  };
}

export function describeTimeline(t: FailoverTimeline): string {
  const ms = (v: number | undefined): string => (v === undefined ? '?' : `${v}`);
  return `decided by ${t.decided} survivors at ${ms(t.firstDecisionMs)}..${ms(t.lastDecisionMs)} ms, new owner's thread ${ms(t.ownerDecisionMs)}, its main thread ${ms(t.ownerLoggedMs)}, announced ${ms(t.ownerAnnouncedMs)}`;
}
