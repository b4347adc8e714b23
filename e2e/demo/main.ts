// `make demo`: the whole product on this machine, told as a story. A real control plane, three
// node namespaces each running a real speaker, the controller, a pool + L2Advertisement + a
// dual-stack Service with Ready endpoints; the VIP answers from the client namespace; the node
// answering it dies; the VIP answers again from another node. Last line: the measured failover.
import { currentAnswerer, measureFailover } from '../cluster/failover.js';
import { LabCluster } from '../cluster/lab-cluster.js';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const step = (title: string): void => say(`\n== ${title}`);
const hostPort = (ip: string): string => (ip.includes(':') ? `[${ip}]:8080` : `${ip}:8080`);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('make demo needs root (network namespaces)');
  step('Setting up: control plane, 3 node namespaces, controller, speakers');
  const c = await LabCluster.start({ nodes: 3, progress: (l) => say(`   ${l}`) });
  let failoverSeconds: number | undefined;
  try {
    step('An address pool, an L2Advertisement and a LoadBalancer Service');
    await c.createPool('demo-pool', { addresses: ['192.0.2.200/29', '2001:db8::200/125'] });
    await c.createAdvertisement('demo-l2');
    say('   IPAddressPool demo-pool: 192.0.2.200/29, 2001:db8::200/125');
    say('   L2Advertisement demo-l2: every pool, every node');
    await c.createService('web', { spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] } });
    say('   Service demo/web (PreferDualStack) with a Ready backend Pod on each node');
    const ips = await c.waitForIps('web', 2);
    say(`\n   NAME   TYPE           EXTERNAL-IP`);
    say(`   web    LoadBalancer   ${ips.join(',')}`);

    step('The VIP answers from the client namespace');
    for (const ip of ips) {
      const node = await currentAnswerer(c, ip);
      say(`   client -> ${hostPort(ip)} answered by ${node} (client's neighbour entry: ${await c.clientNeighbor(ip)}, ${node}'s MAC is ${c.node(node).mac})`);
    }
    say(`   ServiceL2Status says: announced by ${await c.announcingNode('web')}`);

    step('The node answering the VIP dies (speaker SIGKILLed, link down)');
    const m = await measureFailover(c, ips[0]!, 'kill');
    say(`   ${m.from} is gone; ${ips[0]} answered by ${m.to} ${(m.connectMs / 1000).toFixed(3)} s after the fault`);
    say(`   client's neighbour entry moved to ${m.to}'s MAC after ${(m.neighborMs / 1000).toFixed(3)} s`);
    for (const ip of ips) say(`   client -> ${hostPort(ip)} answered by ${await currentAnswerer(c, ip)}`);
    failoverSeconds = m.connectMs / 1000;
  } finally {
    step('Cleaning up');
    await c.stop();
  }
  say(`failover: ${failoverSeconds!.toFixed(3)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
