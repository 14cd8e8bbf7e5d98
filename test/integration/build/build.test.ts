import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { startDockerd, type TestDockerEngine } from '../../support/docker.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { freePort, removeDir, tempDir } from '../../support/service.js';
import { startSilentServer } from '../../support/silent-server.js';
import { BUSYBOX_BASE, git, makeRepo } from './fixtures.js';

let engine: TestDockerEngine;
let registry: TestRegistry;
let authRegistry: TestRegistry;
const repos: string[] = [];

beforeAll(async () => {
  [engine, registry, authRegistry] = await Promise.all([startDockerd(), startRegistry(), startRegistry({ auth: { username: 'ci', password: 'right-horse-battery' } })]);
});
afterAll(async () => {
  await Promise.all([engine?.stop(), registry?.stop(), authRegistry?.stop()]);
  for (const r of repos) removeDir(r);
});

async function shardship(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const output = memoryOutput();
  const code = await main(args, { cwd, output, env: { ...engine.env, ...env } });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

function repo(opts: Parameters<typeof makeRepo>[0]): string {
  const dir = makeRepo(opts);
  repos.push(dir);
  return dir;
}

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

describe('shardship build against a real engine and registry', () => {
  it('builds, pushes, pulls back by digest and runs the image; tags and labels are on the pushed manifest; .dockerignore is honoured', async () => {
    const dir = repo({
      repository: `${registry.host}/team/hello`,
      tag: 'v1.4.2',
      yamlExtra: '  description: says hello\n  licenses: Apache-2.0\n',
      files: {
        Dockerfile: [...BUSYBOX_BASE, 'COPY app/ /app/', 'USER 1000', 'CMD ["/bin/sh", "-c", "cat /app/hello.txt; ls -a /app"]', ''].join('\n'),
        'app/hello.txt': 'hello from the image\n',
        'app/local.env': 'TOKEN=do-not-ship\n',
        '.dockerignore': '**/*.env\n',
      },
    });
    git(dir, ['remote', 'add', 'origin', 'https://example.com/team/hello.git']);
    const sha = git(dir, ['rev-parse', 'HEAD']);
    const commitTime = Number(git(dir, ['log', '-1', '--format=%ct']));

    const res = await shardship(dir, ['build', '--json']);
    expect(res.stderr).not.toContain('internal error');
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.contextDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const expectedTags = ['1.4.2', '1.4', '1', 'main', `sha-${sha.slice(0, 7)}`, 'latest'];
    expect(result.tags).toEqual(expectedTags);

    // Tags in the registry.
    const tagList = (await (await registry.get('/v2/team/hello/tags/list')).json()) as { tags: string[] };
    expect([...tagList.tags].sort()).toEqual([...expectedTags].sort());
    // Every tag resolves to the reported digest; the config blob carries the OCI labels.
    const manifestRes = await registry.get('/v2/team/hello/manifests/1.4.2', MANIFEST_V2);
    expect(manifestRes.headers.get('docker-content-digest')).toBe(result.digest);
    const latest = await registry.get('/v2/team/hello/manifests/latest', MANIFEST_V2);
    expect(latest.headers.get('docker-content-digest')).toBe(result.digest);
    const manifest = (await manifestRes.json()) as { config: { digest: string } };
    const config = (await (await registry.get(`/v2/team/hello/blobs/${manifest.config.digest}`)).json()) as { config: { Labels: Record<string, string> } };
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.created': new Date(commitTime * 1000).toISOString(),
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.version': '1.4.2',
      'org.opencontainers.image.title': 'hello',
      'org.opencontainers.image.description': 'says hello',
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.source': 'https://example.com/team/hello',
      'org.opencontainers.image.url': 'https://example.com/team/hello',
      'org.opencontainers.image.ref.name': '1.4.2',
      'org.opencontainers.image.base.name': 'scratch',
    });

    // Remove every local copy, pull back by digest, run without a network.
    await engine.docker(['rmi', '-f', ...result.references, result.imageId]);
    const ref = `${registry.host}/team/hello@${result.digest}`;
    await engine.docker(['pull', ref]);
    const run = await engine.docker(['run', '--rm', '--network', 'none', ref]);
    expect(run.stdout).toContain('hello from the image');
    expect(run.stdout).toContain('hello.txt');
    expect(run.stdout).not.toContain('local.env');
  });

  it('a secret-named build arg: refused by default (exit 2, naming build secrets); when allowed, a warning, its short value masked in step output, and it is in the history as warned', async () => {
    const dir = repo({
      repository: `${registry.host}/secret-arg`,
      yamlExtra: '  args: { PASSWORD: ab }\n',
      files: { Dockerfile: [...BUSYBOX_BASE, 'ARG PASSWORD', 'RUN echo "pw=$PASSWORD"', 'CMD ["true"]', ''].join('\n') },
    });
    const refused = await shardship(dir, ['build']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('build arg PASSWORD looks secret');
    expect(refused.stderr).toContain('build secret');
    expect(refused.stderr).not.toContain('=ab');

    writeFileSync(join(dir, 'shardship.yaml'), `version: 1\nbuild:\n  repository: ${registry.host}/secret-arg\n  args: { PASSWORD: ab }\n  allowSecretArgs: true\n`);
    const res = await shardship(dir, ['build', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/warning build arg PASSWORD looks secret.*image history.*build secret/);
    expect(res.stderr).toContain('pw=***');
    expect(res.stderr + res.stdout).not.toMatch(/\bab\b/);
    // The warning is true: the classic builder recorded the value in the history.
    const history = await engine.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', JSON.parse(res.stdout).imageId]);
    expect(history.stdout).toContain('PASSWORD=ab');
  });

  it('fails a failing RUN step with exit 1, naming the step and showing its last lines', async () => {
    const dir = repo({
      repository: `${registry.host}/fails`,
      files: { Dockerfile: [...BUSYBOX_BASE, 'RUN echo compiling-module-42 && echo linker-says-no >&2 && exit 3', 'CMD ["true"]', ''].join('\n') },
    });
    const res = await shardship(dir, ['build']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/build failed at step 4\/\d+ \(RUN echo compiling-module-42/);
    expect(res.stderr).toContain('returned a non-zero code: 3');
    expect(res.stderr).toContain('| compiling-module-42');
    expect(res.stderr).toContain('| linker-says-no');
    // Nothing was pushed.
    expect((await registry.get('/v2/fails/tags/list')).status).toBe(404);
  });

  it('reports a Dockerfile syntax error as a usage error (exit 2)', async () => {
    const dir = repo({ repository: `${registry.host}/syntax`, withBusybox: false, files: { Dockerfile: 'FROM scratch\nCOPPY x /x\n' } });
    const res = await shardship(dir, ['build']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/Dockerfile syntax error: .*unknown instruction: COPPY/i);
  });

  it('reports a missing Dockerfile with its path and a hint (exit 2)', async () => {
    const dir = repo({ repository: `${registry.host}/nofile`, withBusybox: false, files: { 'README.md': 'x\n' }, yamlExtra: '  dockerfile: docker/Dockerfile.prod\n' });
    const res = await shardship(dir, ['build']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Dockerfile not found: docker/Dockerfile.prod');
    expect(res.stderr).toContain('hint: check build.dockerfile');
  });

  it('says how to set DOCKER_HOST when no engine answers (exit 1)', async () => {
    const dir = repo({ repository: `${registry.host}/noengine`, withBusybox: false, files: { Dockerfile: 'FROM scratch\n' } });
    const gone = tempDir('stopped-engine');
    try {
      const res = await shardship(dir, ['build'], { DOCKER_HOST: `unix://${join(gone, 'docker.sock')}` });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`no Docker engine answers at unix://${join(gone, 'docker.sock')}`);
      expect(res.stderr).toMatch(/hint: .*DOCKER_HOST/);
    } finally {
      removeDir(gone);
    }
  });

  it('fails clearly when the registry cannot be reached (exit 1)', async () => {
    const port = await freePort();
    const dir = repo({ repository: `127.0.0.1:${port}/unreachable`, files: { Dockerfile: [...BUSYBOX_BASE, 'CMD ["true"]', ''].join('\n') } });
    const res = await shardship(dir, ['build']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`registry: cannot reach registry 127.0.0.1:${port}`);
    expect(res.stderr).toContain('hint: check build.repository');
  });

  it('refuses bad registry credentials with a clear message (exit 1), never printing the password, and pushes with good ones from docker config.json', async () => {
    const dir = repo({
      repository: `${authRegistry.host}/private`,
      yamlExtra: '  auth: { usernameEnv: REG_USER, passwordEnv: REG_PASS }\n',
      files: { Dockerfile: [...BUSYBOX_BASE, 'CMD ["true"]', ''].join('\n') },
    });
    const bad = await shardship(dir, ['build'], { REG_USER: 'ci', REG_PASS: 'wrong-password-123' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`registry: ${authRegistry.host} refused the credentials (401 unauthorized)`);
    expect(bad.stderr + bad.stdout).not.toContain('wrong-password-123');

    // Same repo without build.auth: credentials come from $DOCKER_CONFIG/config.json.
    writeFileSync(join(dir, 'shardship.yaml'), `version: 1\nbuild:\n  repository: ${authRegistry.host}/private\n`);
    const dockerConfig = tempDir('docker-config');
    try {
      mkdirSync(dockerConfig, { recursive: true });
      writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [authRegistry.host]: { auth: Buffer.from('ci:right-horse-battery').toString('base64') } } }));
      const good = await shardship(dir, ['build', '--json'], { DOCKER_CONFIG: dockerConfig });
      expect(good.code, good.stderr).toBe(0);
      expect(good.stderr).toContain(`registry credentials for ${authRegistry.host} from ${join(dockerConfig, 'config.json')}`);
      expect(good.stderr + good.stdout).not.toContain('right-horse-battery');
      const digest = JSON.parse(good.stdout).digest;
      const m = await authRegistry.get('/v2/private/manifests/main', MANIFEST_V2);
      expect(m.headers.get('docker-content-digest')).toBe(digest);
    } finally {
      removeDir(dockerConfig);
    }
  });

  it('uses the branch image as cache when the local copy is gone, and --no-cache turns it off', async () => {
    const dir = repo({
      repository: `${registry.host}/cached`,
      files: { Dockerfile: [...BUSYBOX_BASE, 'RUN echo built-at-$(date +%s%N) > /stamp', 'CMD ["cat", "/stamp"]', ''].join('\n') },
    });
    const first = JSON.parse((await shardship(dir, ['build', '--json'])).stdout);
    await engine.docker(['rmi', '-f', ...first.references]);
    const second = await shardship(dir, ['build', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const r2 = JSON.parse(second.stdout);
    expect(r2.cacheFrom).toEqual([`${registry.host}/cached:main`]);
    expect(second.stderr).toContain('Using cache');
    expect(r2.digest).toBe(first.digest);
    const third = await shardship(dir, ['build', '--json', '--no-cache', '--no-push']);
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout).cacheFrom).toEqual([]);
    expect(third.stderr).not.toContain('Using cache');
  });

  it('stops a build that prints nothing for stallTimeout (exit 4)', async () => {
    const dir = repo({
      repository: `${registry.host}/stall`,
      yamlExtra: '  stallTimeout: 2s\n',
      files: { Dockerfile: [...BUSYBOX_BASE, 'RUN sleep 30', ''].join('\n') },
    });
    const t0 = Date.now();
    const res = await shardship(dir, ['build', '--no-push']);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/printed nothing for 2s during step 4\/\d+ \(RUN sleep 30\)/);
    expect(Date.now() - t0).toBeLessThan(25_000);
  });

  it('a registry that accepts and never answers: the push stops after stallTimeout naming the push (exit 4 or 1), never a hang', async () => {
    const silent = await startSilentServer();
    try {
      const dir = repo({
        repository: `127.0.0.1:${silent.port}/stalled`,
        yamlExtra: '  stallTimeout: 3s\n  cacheFrom: false\n',
        files: { Dockerfile: [...BUSYBOX_BASE, 'CMD ["true"]', ''].join('\n') },
      });
      const t0 = Date.now();
      const res = await shardship(dir, ['build']);
      expect([1, 4], res.stderr).toContain(res.code);
      expect(res.stderr).toMatch(new RegExp(`while pushing|127\\.0\\.0\\.1:${silent.port}`));
      expect(res.stderr).not.toContain('internal error');
      expect(Date.now() - t0).toBeLessThan(60_000);
      expect(silent.accepted).toBeGreaterThan(0);
    } finally {
      await silent.stop();
    }
  });
});
