// Credential plugins: parsing what they print, and running a real one (a shell script) with the
// environment client-go gives it, reusing its token until shortly before it expires.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecCredentialError, ExecToken, parseExecCredential, renewBeforeMs, type ExecSpec } from './exec-credential.js';

const V1 = 'client.authentication.k8s.io/v1';
const credential = (status: unknown, apiVersion = V1): string => JSON.stringify({ apiVersion, kind: 'ExecCredential', status });

describe('parseExecCredential', () => {
  it.each([
    ['a token with an expiry', credential({ token: 't', expirationTimestamp: '2030-01-02T03:04:05Z' }), { token: 't', expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5) }],
    ['a token without one', credential({ token: 't' }), { token: 't' }],
    ['fractional seconds and an offset', credential({ token: 't', expirationTimestamp: '2030-01-02T05:04:05.5+02:00' }), { token: 't', expiresAt: Date.UTC(2030, 0, 2, 3, 4, 5, 500) }],
  ])('%s', (_what, stdout, want) => {
    expect(parseExecCredential(stdout, V1)).toEqual(want);
  });

  it.each([
    ['not JSON', 'Error: not logged in', 'not JSON'],
    ['another kind', JSON.stringify({ apiVersion: V1, kind: 'Status' }), 'not an ExecCredential'],
    ['another apiVersion', credential({ token: 't' }, 'client.authentication.k8s.io/v1beta1'), 'asked for client.authentication.k8s.io/v1'],
    ['no status', JSON.stringify({ apiVersion: V1, kind: 'ExecCredential' }), 'has no status'],
    ['a client certificate', credential({ clientCertificateData: 'C', clientKeyData: 'K' }), 'only plugins returning a token are supported'],
    ['a bad expiry', credential({ token: 't', expirationTimestamp: 'soon' }), 'is not an RFC 3339 time'],
  ])('refuses %s', (_what, stdout, message) => {
    expect(() => parseExecCredential(stdout, V1)).toThrow(ExecCredentialError);
    expect(() => parseExecCredential(stdout, V1)).toThrow(message);
  });
});

describe('ExecToken', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'l2lb-exec-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A plugin printing token tok-<run number> valid for `seconds`, recording its environment. */
  const plugin = (name: string, seconds: number | undefined): ExecSpec => {
    const script = join(dir, name);
    const expiry = seconds === undefined ? '' : `,"expirationTimestamp":"'$(date -u -d "+${seconds} seconds" +%Y-%m-%dT%H:%M:%SZ)'"`;
    writeFileSync(
      script,
      `#!/bin/sh
n=$(( $(cat "$0.count" 2>/dev/null || echo 0) + 1 )); echo $n > "$0.count"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$0.info"; printf '%s' "$REGION" > "$0.region"
echo '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"tok-'$n'"${expiry}}}'
`,
    );
    chmodSync(script, 0o755);
    return { apiVersion: V1, command: script, args: [], env: { REGION: 'eu' }, cluster: { server: 'https://10.0.0.1:6443', insecureSkipTlsVerify: false } };
  };
  const runs = (name: string): number => Number(readFileSync(join(dir, `${name}.count`), 'utf8'));

  it('runs the plugin once for concurrent requests, with KUBERNETES_EXEC_INFO and its env, and reuses the token until shortly before expiry', async () => {
    let now = Date.now();
    const source = new ExecToken(plugin('expiring', 60), () => now);
    expect(await Promise.all([source.token(), source.token(), source.token()])).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(runs('expiring')).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'expiring.info'), 'utf8'))).toEqual({ apiVersion: V1, kind: 'ExecCredential', spec: { interactive: false, cluster: { server: 'https://10.0.0.1:6443' } } });
    expect(readFileSync(join(dir, 'expiring.region'), 'utf8')).toBe('eu');
    now += 60_000 - renewBeforeMs - 2000;
    expect(await source.token()).toBe('tok-1');
    now += 4000; // now within renewBeforeMs of the expiry
    expect(await source.token()).toBe('tok-2');
    expect(runs('expiring')).toBe(2);
  });

  it('keeps a token without expiry until the server refuses it', async () => {
    const source = new ExecToken(plugin('forever', undefined), () => Date.now() + 86_400_000);
    expect(await source.token()).toBe('tok-1');
    expect(await source.token()).toBe('tok-1');
    source.invalidate('tok-0'); // an older token's 401 does not drop the current one
    expect(await source.token()).toBe('tok-1');
    source.invalidate('tok-1');
    expect(await source.token()).toBe('tok-2');
  });

  it('says what failed: a missing command (with the install hint), a failing one', async () => {
    const missing = new ExecToken({ apiVersion: V1, command: join(dir, 'nope'), args: [], env: {}, installHint: 'install it from example.com' });
    await expect(missing.token()).rejects.toThrow(`credential plugin: ${join(dir, 'nope')} not found (install it from example.com)`);
    const failing = join(dir, 'failing');
    writeFileSync(failing, '#!/bin/sh\necho "token expired, run login" >&2\nexit 3\n');
    chmodSync(failing, 0o755);
    await expect(new ExecToken({ apiVersion: V1, command: failing, args: [], env: {} }).token()).rejects.toThrow('token expired, run login');
  });
});
