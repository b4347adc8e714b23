// Bearer tokens. A token file is re-read every minute (kubelet rotates a bound ServiceAccount
// token well before it expires, and client-go re-reads it the same way); a failed re-read keeps
// the last good token, since a token that is about to expire beats none.
import { readFile } from 'node:fs/promises';

export interface TokenSource {
  token(): Promise<string>;
  /** The API server answered 401 to `rejected`: a source that can get a new one drops it. */
  invalidate?(rejected: string): void;
}

export const staticToken = (value: string): TokenSource => ({ token: () => Promise.resolve(value) });

export const tokenRefreshMs = 60_000;

export class FileToken implements TokenSource {
  private value: string | undefined;
  private readAt = 0;
  private reading: Promise<string> | undefined;

  constructor(
    readonly path: string,
    private readonly refreshMs: number = tokenRefreshMs,
    private readonly now: () => number = Date.now,
  ) {}

  token(): Promise<string> {
    if (this.value !== undefined && this.now() - this.readAt < this.refreshMs) return Promise.resolve(this.value);
    // Concurrent requests share one read.
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<string> {
    try {
      const text = (await readFile(this.path, 'utf8')).trim();
      if (text === '') throw new Error(`token file ${this.path} is empty`);
      this.value = text;
    } catch (err) {
      if (this.value === undefined) throw err;
    }
    this.readAt = this.now();
    return this.value;
  }
}
