// One failover, measured from the client's side: the fault is injected on the node that answers
// the VIP now, and we time (a) the first successful TCP connection answered by another node and
// (b) the client's neighbour entry for the VIP changing to another MAC.
import { NeighborMonitor, Prober } from './observe.js';
import type { LabCluster } from './lab-cluster.js';

export type Fault =
  /** The node dies: its speaker is SIGKILLed and its link goes down (no leaving message). */
  | 'kill'
  /** A planned restart: the speaker gets SIGTERM and says it is leaving. */
  | 'term';

export interface FailoverMeasurement {
  readonly fault: Fault;
  readonly ip: string;
  readonly from: string;
  readonly to: string;
  /** Fault to the first successful connection answered by the new owner. */
  readonly connectMs: number;
  /** Fault to the client's neighbour entry changing MAC. */
  readonly neighborMs: number;
  /** When the fault was injected (wall clock, ms since the epoch). */
  readonly t0: number;
}

const wallNow = (): number => performance.timeOrigin + performance.now();

export async function currentAnswerer(c: LabCluster, ip: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = await c.connect(ip, 300);
    if (node) return node;
    if (Date.now() > deadline) throw new Error(`${ip} does not answer from the client`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Injects `fault` on the node answering ip and measures; leaves that node faulted (see restore). */
export async function measureFailover(c: LabCluster, ip: string, fault: Fault, timeoutMs = 10_000): Promise<FailoverMeasurement> {
  const from = await currentAnswerer(c, ip);
  const oldMac = c.node(from).mac;
  const prober = new Prober(c.lab, ip, 5, 50, { schedule: 'overlap' });
  const monitor = new NeighborMonitor(c.lab);
  try {
    await prober.waitFor((r) => r.ok && r.node === from, 5_000, `a probe answered by ${from}`);
    const t0 = wallNow();
    const speaker = c.speakers.get(from);
    if (!speaker) throw new Error(`no speaker running on ${from}`);
    if (fault === 'kill') {
      await Promise.all([speaker.stop('SIGKILL'), c.lab.setLink(c.node(from).ns, 'down')]);
    } else {
      void speaker.stop('SIGTERM');
    }
    const [answer, change] = await Promise.all([prober.answeredAfter(t0, from, timeoutMs), monitor.changedAfter(ip, oldMac, t0, timeoutMs)]);
    return { fault, ip, from, to: answer.node ?? '?', connectMs: answer.t - t0, neighborMs: change.t - t0, t0 };
  } finally {
    prober.stop();
    monitor.stop();
  }
}

/** Brings a faulted node back (link up, speaker restarted) and waits until its speaker runs. */
export async function restore(c: LabCluster, node: string): Promise<void> {
  await c.lab.setLink(c.node(node).ns, 'up');
  await c.startSpeaker(node);
}
