import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registryHostOf, resolveCredentials } from '../../../pipeline/docker/credentials.js';
import { redact } from '../../../pipeline/core/redact.js';
import { UsageError } from '../../../pipeline/core/errors.js';
import { removeDir, tempDir } from '../../support/service.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
function dockerConfig(content: unknown): string {
  const d = tempDir('dockercfg');
  dirs.push(d);
  writeFileSync(join(d, 'config.json'), JSON.stringify(content));
  return d;
}

describe('registry credentials', () => {
  it('reads base64 auths for the host, in any key spelling, and registers the secret for redaction', async () => {
    const dir = dockerConfig({ auths: { 'http://127.0.0.1:5000/': { auth: Buffer.from('alice:pa55-w0rd-x').toString('base64') } } });
    const c = await resolveCredentials('127.0.0.1:5000', { env: { DOCKER_CONFIG: dir } });
    expect(c).toMatchObject({ username: 'alice', password: 'pa55-w0rd-x', serverAddress: '127.0.0.1:5000' });
    expect(redact('login with pa55-w0rd-x')).toBe('login with ***');
    expect(await resolveCredentials('other:5000', { env: { DOCKER_CONFIG: dir } })).toBeUndefined();
  });

  it('asks the credential helper configured for the host (docker-credential-<name> get)', async () => {
    const bin = tempDir('helper-bin');
    dirs.push(bin);
    const helper = join(bin, 'docker-credential-shardshiptest');
    writeFileSync(helper, '#!/bin/sh\nread server\nprintf \'{"ServerURL":"%s","Username":"bot","Secret":"helper-secret-%s"}\' "$server" "$server"\n');
    chmodSync(helper, 0o755);
    const dir = dockerConfig({ credHelpers: { 'registry.example.com': 'shardshiptest' }, auths: { 'registry.example.com': {} } });
    const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
    const c = await resolveCredentials('registry.example.com', { env });
    expect(c).toMatchObject({ username: 'bot', password: 'helper-secret-registry.example.com', source: 'docker-credential-shardshiptest' });
  });

  it('says when a configured helper is not installed', async () => {
    const dir = dockerConfig({ credsStore: 'does-not-exist-anywhere' });
    await expect(resolveCredentials('r.example.com', { env: { DOCKER_CONFIG: dir, PATH: '/nonexistent' } })).rejects.toThrow(/docker-credential-does-not-exist-anywhere .* not installed/);
  });

  it('prefers explicit env inputs, and names a missing variable', async () => {
    const c = await resolveCredentials('r:1', { env: { U: 'u', P: 'explicit-pass' }, explicit: { usernameEnv: 'U', passwordEnv: 'P' } });
    expect(c).toMatchObject({ username: 'u', password: 'explicit-pass', source: 'env U/P' });
    await expect(resolveCredentials('r:1', { env: { U: 'u' }, explicit: { usernameEnv: 'U', passwordEnv: 'P' } })).rejects.toThrow(UsageError);
  });

  it('has no credentials without a docker config', async () => {
    const d = tempDir('empty');
    dirs.push(d);
    mkdirSync(d, { recursive: true });
    expect(await resolveCredentials('r:1', { env: { DOCKER_CONFIG: d } })).toBeUndefined();
    expect(registryHostOf('https://index.docker.io/v1/')).toBe('docker.io');
  });
});
