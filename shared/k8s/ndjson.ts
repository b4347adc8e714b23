// A watch response is newline-delimited JSON, but TCP chunks do not respect lines: one chunk may
// hold several events, or end in the middle of one. This keeps the unfinished tail for the next
// chunk. Works on decoded strings (the response's setEncoding('utf8') already joins a multi-byte
// character split across chunks).
export class LineSplitter {
  private rest = '';

  /** Complete, non-empty lines in `chunk` (plus what earlier chunks left unfinished). */
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }

  /** What is left when the stream ends: a last line without its newline, if any. */
  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last.trim() === '' ? [] : [last];
  }

  /** Characters held back waiting for a newline (a guard against an endless line). */
  get pending(): number {
    return this.rest.length;
  }
}
