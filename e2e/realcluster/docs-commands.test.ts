// The extraction the real-cluster suite relies on, against the real pages (a page edit that
// breaks it fails here, in seconds, not after a cluster start).
import { join } from 'node:path';
import { parse } from 'yaml';
import { codeBlocks } from '../../docs/markdown.js';
import { repoRoot } from '../testenv/tools.js';
import { argv, commandLines, echoForWeb, imageFlags, installCommands, quickStart, substitute } from './docs-commands.js';

const blocksOf = (page: string): ReturnType<typeof codeBlocks> => codeBlocks(join(repoRoot(), 'docs', page), repoRoot());

describe('docs commands', () => {
  test('commandLines drops comments and blank lines and joins continuations', () => {
    expect(commandLines('# a comment\nkubectl get x   # trailing\n\nhelm upgrade a \\\n  --set b=1\n')).toEqual(['kubectl get x', 'helm upgrade a --set b=1']);
  });

  test('argv refuses what needs a shell', () => {
    expect(argv('kubectl get svc web')).toEqual(['kubectl', 'get', 'svc', 'web']);
    expect(() => argv('curl -s http://x/ | head -n 4')).toThrow(/not a plain command/);
  });

  test('substitute maps the page\'s example range and its first address to the lab\'s', () => {
    expect(substitute('- 192.168.10.240-192.168.10.250\nweb 192.168.10.240 80')).toBe('- 192.0.2.240-192.0.2.250\nweb 192.0.2.240 80');
  });

  test('install.md: helm install into metallb-system, then both rollouts', () => {
    const cmds = installCommands(blocksOf('install.md'));
    expect(cmds[0]).toEqual(['helm', 'install', 'l2lb', './charts/l2lb', '--namespace', 'metallb-system', '--create-namespace']);
    expect(cmds.slice(1).map((c) => c.slice(0, 5).join(' '))).toEqual(['kubectl -n metallb-system rollout status', 'kubectl -n metallb-system rollout status']);
    expect(imageFlags('l2lb.local/l2lb:1.2')).toEqual(['--set', 'image.repository=l2lb.local/l2lb', '--set', 'image.tag=1.2']);
  });

  test('quick-start.md: two files, the kubectl steps, the client steps, the sample outputs', () => {
    const q = quickStart(blocksOf('quick-start.md'), 'l2lb.local/l2lb:1');
    expect(q.files.map((f) => f.name)).toEqual(['pool.yaml', 'web.yaml']);
    expect(q.files[0]!.text).toContain('192.0.2.240-192.0.2.250');
    expect(q.kubectl.map((c) => c.join(' '))).toEqual([
      'kubectl apply -f pool.yaml', 'kubectl get ipaddresspools -n metallb-system',
      'kubectl apply -f web.yaml', 'kubectl get svc web', 'kubectl get servicel2statuses -n metallb-system',
    ]);
    expect(q.client).toEqual(['curl -s http://192.0.2.240/ | head -n 4', 'ip neigh show 192.0.2.240']);
    expect(q.printedExternalIp).toBe('192.0.2.240');
    expect(q.sampleHeaders.get('ALLOCATED')).toBe('NAME ALLOCATED NODE SERVICE NAME SERVICE NAMESPACE INTERFACES AGE');
  });

  test('the web Deployment runs l2lb-echo on the page\'s port; the Service is the page\'s', () => {
    const q = quickStart(blocksOf('quick-start.md'), 'l2lb.local/l2lb:1');
    const docs = q.files[1]!.text.split('---\n').map((t) => parse(t) as Record<string, unknown>);
    const dep = docs.find((d) => d['kind'] === 'Deployment') as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    expect(dep.spec.template.spec.containers[0]).toMatchObject({ name: 'web', image: 'l2lb.local/l2lb:1', command: ['l2lb-echo', '--port', '80'], ports: [{ containerPort: 80 }] });
    expect(docs.find((d) => d['kind'] === 'Service')).toMatchObject({ metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, targetPort: 80 }] } });
    expect(echoForWeb({ kind: 'Service' }, 'x')).toEqual({ kind: 'Service' });
  });
});
