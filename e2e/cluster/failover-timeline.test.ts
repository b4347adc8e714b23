import { describeTimeline, failoverTimeline } from './failover-timeline.js';
import type { NodeLog } from './log-marks.js';

const T0 = Date.parse('2026-12-06T22:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const dead = (node: string, peer: string, decidedMs: number, loggedMs: number): NodeLog => ({ node, event: 'peerDead', peer, at: T0 + decidedMs, ts: at(loggedMs) });

describe('failoverTimeline', () => {
  const logs: NodeLog[] = [
    dead('node2', 'node1', 480, 520),
    dead('node3', 'node1', 455, 700),
    dead('node4', 'node1', 510, 515),
    // Not about the victim, or from the victim itself: ignored.
    dead('node2', 'node5', 100, 100),
    dead('node1', 'node2', 50, 50),
    { node: 'node2', event: 'serviceAnnounced', ips: ['192.0.2.9'], ts: at(20) },
    { node: 'node3', event: 'serviceAnnounced', ips: ['192.0.2.8'], ts: at(600) },
    { node: 'node3', event: 'serviceAnnounced', ips: ['192.0.2.9'], ts: at(730) },
  ];

  test.each([
    ['the new owner node3', 'node3', { decided: 3, firstDecisionMs: 455, lastDecisionMs: 510, ownerDecisionMs: 455, ownerLoggedMs: 700, ownerAnnouncedMs: 730 }],
    ['an owner that never logged the death nor announced', 'node9', { decided: 3, firstDecisionMs: 455, lastDecisionMs: 510 }],
  ])('%s', (_name, owner, expected) => {
    expect(failoverTimeline(logs, 'node1', owner, '192.0.2.9', T0)).toEqual(expected);
  });

  test('no survivor decided: nothing but the count', () => {
    const t = failoverTimeline([], 'node1', 'node2', '192.0.2.9', T0);
    expect(t).toEqual({ decided: 0 });
    expect(describeTimeline(t)).toContain('decided by 0 survivors at ?..? ms');
  });
});
