// Credentials from a kubeconfig: the common shapes are read directly, the rest through
// client-node's KubeConfig; errors are usage errors (exit 2) that say how to fix them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent, RequestOptions } from 'node:https';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadCredentials } from '../../../pipeline/kube/kubeconfig.js';
import { UsageError } from '../../../pipeline/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'shardship-kubeconfig-'));
function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }], clusters: [{ name: 'k', cluster }], users: [{ name: 'u', user }] }));
  return file;
}
async function applied(file: string): Promise<{ server: string; opts: RequestOptions }> {
  const c = await loadCredentials(file, {});
  const opts: RequestOptions = { headers: {} };
  await c.apply(opts);
  return { server: c.server, opts };
}

describe('loadCredentials', () => {
  it('client certificate files relative to the kubeconfig, CA data, verification on', async () => {
    writeFileSync(join(dir, 'c.crt'), 'CERT');
    writeFileSync(join(dir, 'c.key'), 'KEY');
    const { server, opts } = await applied(kubeconfig('certs', { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64') }, { 'client-certificate': 'c.crt', 'client-key': 'c.key' }));
    expect(server).toBe('https://127.0.0.1:6443');
    const agent = opts.agent as Agent & { options: { ca: Buffer; cert: Buffer; key: Buffer; rejectUnauthorized: boolean } };
    expect(agent.options.ca.toString()).toBe('CA');
    expect(agent.options.cert.toString()).toBe('CERT');
    expect(agent.options.key.toString()).toBe('KEY');
    expect(agent.options.rejectUnauthorized).toBe(true);
    expect(opts.headers).toEqual({});
  });

  it('a bearer token, or one from tokenFile; insecure-skip-tls-verify only when set', async () => {
    writeFileSync(join(dir, 'sa-token'), 'from-file\n');
    const a = await applied(kubeconfig('token', { server: 'https://a' }, { token: 'abc' }));
    expect(a.opts.headers).toEqual({ Authorization: 'Bearer abc' });
    const b = await applied(kubeconfig('tokenfile', { server: 'https://b', 'insecure-skip-tls-verify': true }, { tokenFile: 'sa-token' }));
    expect(b.opts.headers).toEqual({ Authorization: 'Bearer from-file' });
    expect((b.opts.agent as Agent & { options: { rejectUnauthorized: boolean } }).options.rejectUnauthorized).toBe(false);
  });

  it('an exec plugin goes through client-node', async () => {
    const { server, opts } = await applied(kubeconfig('exec', { server: 'https://exec:6443' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'echo \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec"}}\''] } }));
    expect(server).toBe('https://exec:6443');
    expect(opts.headers).toMatchObject({ Authorization: 'Bearer from-exec' });
  });

  it('a missing file, a file that is not YAML, a kubeconfig without a current cluster: usage errors', async () => {
    await expect(loadCredentials(join(dir, 'nope'), {})).rejects.toThrow(UsageError);
    await expect(loadCredentials(join(dir, 'nope'), {})).rejects.toThrow(/cannot load kubeconfig .*nope/);
    writeFileSync(join(dir, 'bad'), 'clusters: [unclosed');
    await expect(loadCredentials(join(dir, 'bad'), {})).rejects.toThrow(/cannot load kubeconfig/);
    writeFileSync(join(dir, 'empty'), 'apiVersion: v1\nkind: Config\n');
    await expect(loadCredentials(join(dir, 'empty'), {})).rejects.toThrow(/no current cluster/);
  });
});
