// Kubeconfigs as users write them, against the real kube-apiserver: an exec credential plugin (a
// small script printing an ExecCredential with a ServiceAccount token and a short expiry) that is
// run again when its token expires and when the API server refuses it; KUBECONFIG with several
// files and a context chosen by name.
import { load } from 'js-yaml';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useClientFixture } from '../../e2e/testenv/client-fixture.js';
import { testenvFromJest } from '../../e2e/testenv/jest-info.js';
import { apiStatus } from './api-error.js';
import { KubeClient, loadKubeClient } from './client.js';
import { loadConnection } from './connection.js';
import { renewBeforeMs } from './exec-credential.js';

const info = testenvFromJest();
const NS = 'k8s-kubeconfig-int';
const fixture = useClientFixture(info, NS);

/** A ServiceAccount's token from the TokenRequest API (the account is created if missing). */
async function serviceAccountToken(name: string): Promise<string> {
  const doc = load(await info.serviceAccountKubeconfigText(NS, name)) as { users: { user: { token: string } }[] };
  return doc.users[0]!.user.token;
}

/** Who the API server says we are (any authenticated identity may ask). */
async function whoAmI(client: KubeClient): Promise<string> {
  const review = await client.create<{ status: { userInfo: { username: string } } }>('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  return review.status.userInfo.username;
}

/**
 * A plugin that prints the token in `tokenFile` (whatever it holds at the time) with an expiry
 * `seconds` from now, counting its runs in <script>.count.
 */
function plugin(name: string, tokenFile: string, seconds: number): string {
  const script = join(fixture.dir, name);
  writeFileSync(
    script,
    `#!/bin/sh
n=$(( $(cat "$0.count" 2>/dev/null || echo 0) + 1 )); echo $n > "$0.count"
exp=$(date -u -d "+${seconds} seconds" +%Y-%m-%dT%H:%M:%SZ)
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\\n' "$(cat ${tokenFile})" "$exp"
`,
  );
  chmodSync(script, 0o755);
  return script;
}
const runs = (script: string): number => Number(readFileSync(`${script}.count`, 'utf8'));

const cluster = { name: 'testenv', cluster: { server: info.server, 'certificate-authority-data': Buffer.from(info.caPem).toString('base64') } };
const execUser = (name: string, command: string): object => ({ name, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command, args: [], interactiveMode: 'Never' } } });

describe('an exec credential plugin', () => {
  it('authenticates as the ServiceAccount whose token it prints, and runs again once the token is about to expire', async () => {
    const tokenFile = join(fixture.dir, 'token-a');
    writeFileSync(tokenFile, await serviceAccountToken('exec-a'));
    // Expiring 6 s after the renewal margin: reused by the next calls (even on a loaded machine,
    // two calls take far less), due again once 6 s have passed.
    const script = plugin('plugin-a', tokenFile, renewBeforeMs / 1000 + 6);
    const file = join(fixture.dir, 'exec-a.kubeconfig');
    writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [cluster], users: [execUser('exec-a', script)], contexts: [{ name: 'exec-a', context: { cluster: 'testenv', user: 'exec-a' } }], 'current-context': 'exec-a' }));
    const client = loadKubeClient(file);
    expect(await whoAmI(client)).toBe(`system:serviceaccount:${NS}:exec-a`);
    expect(await whoAmI(client)).toBe(`system:serviceaccount:${NS}:exec-a`);
    expect(runs(script)).toBe(1);
    await new Promise((r) => setTimeout(r, 7000));
    expect(await whoAmI(client)).toBe(`system:serviceaccount:${NS}:exec-a`);
    expect(runs(script)).toBe(2);
    client.close();
  });

  it('runs again when the API server refuses its token (401), and the call succeeds with the new one', async () => {
    const tokenFile = join(fixture.dir, 'token-b');
    writeFileSync(tokenFile, 'not-a-valid-token');
    const script = plugin('plugin-b', tokenFile, 3600);
    const file = join(fixture.dir, 'exec-b.kubeconfig');
    writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [cluster], users: [execUser('exec-b', script)], contexts: [{ name: 'exec-b', context: { cluster: 'testenv', user: 'exec-b' } }], 'current-context': 'exec-b' }));
    const client = loadKubeClient(file);
    // Refused, renewed (still the bad token), refused again: the 401 is the answer.
    expect(apiStatus(await whoAmI(client).catch((e: unknown) => e))).toBe(401);
    expect(runs(script)).toBe(2);
    // The identity provider issues a good token: the next refusal renews into it.
    writeFileSync(tokenFile, await serviceAccountToken('exec-b'));
    expect(await whoAmI(client)).toBe(`system:serviceaccount:${NS}:exec-b`);
    expect(runs(script)).toBe(3);
    client.close();
  });
});

describe('KUBECONFIG with several files, and --context', () => {
  it('merges the files as kubectl does and connects with the context asked for', async () => {
    const token = await serviceAccountToken('merged');
    // One file with the cluster and an admin-ish default; another with the user and its context.
    const first = join(fixture.dir, 'first.kubeconfig');
    const second = join(fixture.dir, 'second.kubeconfig');
    writeFileSync(first, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [cluster], users: [], contexts: [{ name: 'default', context: { cluster: 'testenv', user: 'nobody' } }], 'current-context': 'default' }));
    writeFileSync(second, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'testenv', cluster: { server: 'https://127.0.0.1:1' } }], users: [{ name: 'merged', user: { token } }, { name: 'nobody', user: { token: 'revoked' } }], contexts: [{ name: 'merged', context: { cluster: 'testenv', user: 'merged' } }], 'current-context': 'merged' }));
    const env = { KUBECONFIG: `${first}:${join(fixture.dir, 'missing.kubeconfig')}:${second}` };
    // The first file's cluster wins over the second's unreachable one; --context picks the user.
    const client = new KubeClient(loadConnection({ context: 'merged' }, env));
    expect(await whoAmI(client)).toBe(`system:serviceaccount:${NS}:merged`);
    client.close();
    // Without --context: the first file's current-context, whose user's token is refused.
    const anonymous = new KubeClient(loadConnection({}, env));
    expect(apiStatus(await whoAmI(anonymous).catch((e: unknown) => e))).toBe(401);
    anonymous.close();
  });
});
