// Reading the operator docs in tests: files, fenced code blocks, links and heading anchors.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface CodeBlock {
  readonly file: string;
  readonly lang: string;
  readonly text: string;
}

/** Every .md file under dir, recursively, sorted. */
export function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...markdownFiles(path));
    else if (name.endsWith('.md')) out.push(path);
  }
  return out;
}

export function codeBlocks(file: string, root: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const re = /^```([a-z]*)\n([\s\S]*?)^```$/gm;
  const text = readFileSync(file, 'utf8');
  for (let m = re.exec(text); m; m = re.exec(text)) blocks.push({ file: relative(root, file), lang: m[1]!, text: m[2]! });
  return blocks;
}

/** GitHub's anchor for a heading: lower case, punctuation removed, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[`*_]/g, '').replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
}

export function anchors(text: string): Set<string> {
  const outside = text.replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...outside.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

/** Relative links [text](target) outside code blocks; external (scheme) links are skipped. */
export function relativeLinks(text: string): string[] {
  const outside = text.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
  return [...outside.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
}
