// The operator docs' commands, as the real-cluster suite runs them: docs/install.md's Install
// block (so the suite's install is the documented one) and docs/quick-start.md's steps. Pure: the
// page text in, commands and files out; the suite runs them.
//
// What the lab changes, and nothing else, is listed in LAB_SUBSTITUTIONS and in the quick start's
// web container (below): the page asks the reader for "your own" addresses, and no registry is
// reachable from the lab's nodes, so its nginx container becomes l2lb-echo on the same port.
import { parseAllDocuments, stringify } from 'yaml';
import type { CodeBlock } from '../../docs/markdown.js';

/** The page's example addresses -> the lab's (192.0.2.0/24: nodes .1-.3, client .100, host .254). */
export const LAB_SUBSTITUTIONS: readonly (readonly [string, string])[] = [
  ['192.168.10.240-192.168.10.250', '192.0.2.240-192.0.2.250'],
  ['192.168.10.240', '192.0.2.240'],
];

export function substitute(text: string): string {
  let out = text;
  for (const [from, to] of LAB_SUBSTITUTIONS) out = out.split(from).join(to);
  return out;
}

/** Shell lines of a block: comments and blank lines dropped, `\` continuations joined. */
export function commandLines(block: string): string[] {
  return block.replace(/\\\n\s*/g, '').split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** A command line without quotes or pipes, as argv. */
export function argv(line: string): string[] {
  if (/["'|;&$`]/.test(line)) throw new Error(`not a plain command: ${line}`);
  return line.split(/\s+/);
}

/** install.md's Install section: the sh block with `helm install`. */
export function installCommands(blocks: readonly CodeBlock[]): string[][] {
  const b = blocks.find((x) => x.lang === 'sh' && /^helm install /m.test(x.text));
  if (!b) throw new Error('docs/install.md: no sh block with `helm install`');
  return commandLines(b.text).map(argv);
}

/** `--set` flags the install page gives for one's own build of the image. */
export function imageFlags(imageRef: string): string[] {
  const at = imageRef.lastIndexOf(':');
  return ['--set', `image.repository=${imageRef.slice(0, at)}`, '--set', `image.tag=${imageRef.slice(at + 1)}`];
}

export interface QuickStartFile {
  readonly name: string;
  readonly text: string;
}

export interface QuickStart {
  /** pool.yaml and web.yaml as the page shows them (`# pool.yaml` first line), substituted. */
  readonly files: readonly QuickStartFile[];
  /** kubectl lines of steps 1-3, in page order. */
  readonly kubectl: readonly string[][];
  /** Step 4's lines, run on the client (a LAN machine). */
  readonly client: readonly string[];
  /** The sample outputs' header lines, by their first word after NAME (`TYPE`, `ALLOCATED`). */
  readonly sampleHeaders: ReadonlyMap<string, string>;
  /** The EXTERNAL-IP the sample `kubectl get svc web` prints, substituted. */
  readonly printedExternalIp: string;
}

/**
 * The web container from the page (nginx, port 80, root as nginx's image runs) becomes l2lb-echo
 * listening on the same port, as root for the same reason (binding port 80).
 */
export function echoForWeb(doc: Record<string, unknown>, imageRef: string): Record<string, unknown> {
  const d = structuredClone(doc) as { kind?: string; spec?: { template?: { spec?: { containers?: Record<string, unknown>[] } } } };
  if (d.kind !== 'Deployment') return doc;
  d.spec!.template!.spec!.containers = (d.spec?.template?.spec?.containers ?? []).map((ct) => {
    const port = (ct['ports'] as { containerPort: number }[] | undefined)?.[0]?.containerPort ?? 80;
    return {
      ...ct,
      image: imageRef,
      command: ['l2lb-echo', '--port', String(port)],
      env: [
        { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      securityContext: { runAsUser: 0 },
    };
  });
  return d as Record<string, unknown>;
}

export function quickStart(blocks: readonly CodeBlock[], imageRef: string): QuickStart {
  const files: QuickStartFile[] = [];
  const kubectl: string[][] = [];
  const client: string[] = [];
  const sampleHeaders = new Map<string, string>();
  let printedExternalIp = '';
  for (const b of blocks) {
    const text = substitute(b.text);
    const fileName = /^# (\S+\.yaml)\n/.exec(text)?.[1];
    if (b.lang === 'yaml' && fileName) {
      const docs = parseAllDocuments(text).map((d) => echoForWeb(d.toJS() as Record<string, unknown>, imageRef));
      files.push({ name: fileName, text: docs.map((d) => stringify(d)).join('---\n') });
    } else if (b.lang === 'sh') {
      for (const line of commandLines(text)) {
        if (line.startsWith('kubectl ')) kubectl.push(argv(line));
        else client.push(line);
      }
    } else if (b.lang === '' && /^NAME\s/.test(text)) {
      const [header, ...rows] = text.trimEnd().split('\n');
      sampleHeaders.set(header!.split(/\s+/)[1]!, header!.trim().split(/\s+/).join(' '));
      const web = rows.find((r) => r.startsWith('web '));
      if (web && /EXTERNAL-IP/.test(header!)) printedExternalIp = web.trim().split(/\s+/)[3] ?? '';
    }
  }
  return { files, kubectl, client, sampleHeaders, printedExternalIp };
}
