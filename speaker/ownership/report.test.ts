import { createLogger } from '../../shared/log.js';
import { createSpeakerMetrics } from '../metrics.js';
import type { OwnedService } from '../world/announcement-plan.js';
import { OwnershipReport } from './report.js';

const svc = (key: string, ips = ['192.0.2.10'], interfaces = ['eth0']): OwnedService => ({ key, ips, pool: 'p', interfaces });
const plan = (owned: OwnedService[], failed: Array<[string, string]> = [], refused: Array<[string, string]> = []) => ({ owned: new Map(owned.map((s) => [s.key, s])), failed: new Map(failed), refused: new Map(refused) });

function setup(before: string[] = []) {
  const events: string[] = [];
  const logs: Array<{ event: string }> = [];
  const metrics = createSpeakerMetrics();
  const report = new OwnershipReport({
    nodeName: 'n1',
    log: createLogger('debug', {}, (l) => logs.push(JSON.parse(l) as { event: string })),
    metrics,
    event: (key, _type, reason) => events.push(`${reason} ${key}`),
    announcedBeforeStart: () => new Set(before),
  });
  const announced = async (): Promise<string[]> => ((await metrics.announced.get()).values as Array<{ labels: { service?: string; ip?: string } }>).map((v) => `${v.labels.service} ${v.labels.ip}`).sort();
  return { report, events, logs, announced };
}

describe('OwnershipReport', () => {
  test('a gained Service: one nodeAssigned Event, its series; a lost one: its series removed, no Event', async () => {
    const { report, events, announced } = setup();
    report.apply(plan([svc('a/web'), svc('a/db', ['192.0.2.11'])]), new Map());
    expect(events).toEqual(['nodeAssigned a/web', 'nodeAssigned a/db']);
    report.apply(plan([svc('a/web')]), new Map());
    expect(events).toHaveLength(2);
    expect(await announced()).toEqual(['a/web 192.0.2.10']);
    expect([...report.current.keys()]).toEqual(['a/web']);
  });

  test('lost and regained: announced to users again (the status objects may still name us, memory does not)', () => {
    const { report, events } = setup();
    report.apply(plan([svc('a/web')]), new Map());
    report.apply(plan([]), new Map());
    report.apply(plan([svc('a/web')]), new Map());
    expect(events).toEqual(['nodeAssigned a/web', 'nodeAssigned a/web']);
  });

  test('a Service announced before a restart: no Event at the first election; after a loss, again one', () => {
    const { report, events } = setup(['a/web']);
    report.apply(plan([svc('a/web'), svc('a/new')]), new Map());
    expect(events).toEqual(['nodeAssigned a/new']);
    report.apply(plan([svc('a/new')]), new Map());
    report.apply(plan([svc('a/web'), svc('a/new')]), new Map());
    expect(events).toEqual(['nodeAssigned a/new', 'nodeAssigned a/web']);
  });

  test('a changed announcement (new IP or interface): its series moves, no Event', async () => {
    const { report, events, announced } = setup();
    report.apply(plan([svc('a/web')]), new Map());
    report.apply(plan([svc('a/web', ['192.0.2.20'])]), new Map());
    expect(events).toEqual(['nodeAssigned a/web']);
    expect(await announced()).toEqual(['a/web 192.0.2.20']);
  });

  test('announceRefused and externalIPsNotAnnounced: one Warning per distinct message, again after it cleared', () => {
    const { report, events } = setup();
    report.apply(plan([], [], [['a/shared', 'refused: selector']]), new Map(), new Map([['a/ext', 'not in a pool']]));
    report.apply(plan([], [], [['a/shared', 'refused: selector']]), new Map(), new Map([['a/ext', 'not in a pool']]));
    expect(events).toEqual(['announceRefused a/shared', 'externalIPsNotAnnounced a/ext']);
    report.apply(plan([], [], [['a/shared', 'refused: other']]), new Map(), new Map());
    report.apply(plan([]), new Map(), new Map([['a/ext', 'not in a pool']]));
    expect(events).toEqual(['announceRefused a/shared', 'externalIPsNotAnnounced a/ext', 'announceRefused a/shared', 'externalIPsNotAnnounced a/ext']);
  });

  test('announceFailed once per distinct reason', () => {
    const { report, events } = setup();
    report.apply(plan([], [['a/web', 'no usable interface']]), new Map());
    report.apply(plan([], [['a/web', 'no usable interface']]), new Map());
    report.apply(plan([], [['a/web', 'other reason']]), new Map());
    expect(events).toEqual(['announceFailed a/web', 'announceFailed a/web']);
  });

  test('withdrawAll clears every series and logs each Service', async () => {
    const { report, logs, announced } = setup();
    report.apply(plan([svc('a/web'), svc('a/db', ['192.0.2.11'])]), new Map());
    report.withdrawAll('speakerStopping');
    expect(await announced()).toEqual([]);
    expect(logs.filter((l) => l.event === 'serviceWithdrawn')).toHaveLength(2);
    expect(report.current.size).toBe(0);
  });
});
