// Runner contract of the bundled build action against a real dockerd and a real registry
// (htpasswd auth): a real push payload, INPUT_* variables, GITHUB_OUTPUT and the job summary;
// the image must land in the registry under the digest the step outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerd, type TestDockerEngine } from '../../support/docker.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { removeDir } from '../../support/service.js';
import { startGitHubServer, type GitHubServer } from '../../support/github-server/index.js';
import { BUSYBOX_BASE, git, makeRepo } from '../build/fixtures.js';
import { pushPayload, runBundledAction, secretLeaks } from './runner-contract.js';

const TOKEN = 'ghs_buildContractToken0123456789ab';
const REGISTRY_PASSWORD = 'reg-pw-Zq81x7LmP';
let engine: TestDockerEngine;
let registry: TestRegistry;
let server: GitHubServer;
const repos: string[] = [];

// One dockerd for the file: starting it is the slow part.
beforeAll(async () => {
  [engine, registry, server] = await Promise.all([startDockerd(), startRegistry({ auth: { username: 'ci', password: REGISTRY_PASSWORD } }), startGitHubServer()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([engine?.stop(), registry?.stop(), server?.stop()]);
  for (const r of repos) removeDir(r);
});

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

function loanRepo(): { dir: string; before: string; after: string } {
  const dir = makeRepo({
    repository: `${registry.host}/team/loans`,
    yamlExtra: '  auth: { usernameEnv: REGISTRY_USER, passwordEnv: REGISTRY_PASSWORD }\n',
    files: { Dockerfile: [...BUSYBOX_BASE, 'COPY app/ /app/', 'CMD ["/bin/cat", "/app/hello.txt"]', ''].join('\n'), 'app/hello.txt': 'loans v1\n' },
  });
  repos.push(dir);
  const before = git(dir, ['rev-parse', 'HEAD']);
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'feat: second']);
  return { dir, before, after: git(dir, ['rev-parse', 'HEAD']) };
}

/** The bundled build action on a push of a fresh loan repo, logging in with `password`. */
async function buildOnPush(password: string) {
  const { dir, before, after } = loanRepo();
  const run = await runBundledAction('build', {
    event: 'push',
    payload: pushPayload({ before, after }),
    inputs: { token: TOKEN, config: 'shardship.yaml', 'working-directory': '.' },
    apiUrl: server.url,
    workspace: dir,
    sha: after,
    env: { DOCKER_HOST: engine.host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: engine.env.DOCKER_CONFIG!, REGISTRY_USER: 'ci', REGISTRY_PASSWORD: password },
  });
  return { after, run };
}

describe('build action (bundled) on a push, against a real engine and registry', () => {
  it('builds and pushes; outputs image, digest and tags; the registry serves that digest; no secret is printed', async () => {
    const { after, run } = await buildOnPush(REGISTRY_PASSWORD);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const { image, digest, tags } = run.outputs;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tags!.split(',')).toEqual(['main', `sha-${after.slice(0, 7)}`, 'latest']);
    expect(image).toBe(`${registry.host}/team/loans:main`);
    expect(run.outputs['exit-code']).toBe('0');

    // What landed in the registry: every tag names the output digest, and the digest itself resolves.
    const byDigest = await registry.get(`/v2/team/loans/manifests/${digest}`, MANIFEST_V2);
    expect(byDigest.status).toBe(200);
    expect(byDigest.headers.get('docker-content-digest')).toBe(digest);
    for (const tag of tags!.split(',')) {
      expect((await registry.get(`/v2/team/loans/manifests/${tag}`, MANIFEST_V2)).headers.get('docker-content-digest')).toBe(digest);
    }
    // Pulled back by digest and run: it is the image built from this commit.
    await engine.docker(['rmi', '-f', `${registry.host}/team/loans:main`]);
    const ref = `${registry.host}/team/loans@${digest}`;
    await engine.docker(['login', '-u', 'ci', '--password-stdin', registry.host], { input: REGISTRY_PASSWORD });
    await engine.docker(['pull', ref]);
    // The action must not lean on this login: the next test checks its own credentials.
    await engine.docker(['logout', registry.host]);
    expect((await engine.docker(['run', '--rm', '--network', 'none', ref])).stdout).toBe('loans v1\n');

    // GitHub: a successful build check run on the pushed commit, a commit status, the job summary.
    const check = server.state.checkRuns.find((c) => c.name === 'shardship/build' && c.head_sha === after)!;
    expect(check.conclusion).toBe('success');
    expect(check.output.title).toBe(`pushed ${image}`);
    expect(server.state.statuses).toContainEqual(expect.objectContaining({ sha: after, context: 'shardship/push', state: 'success' }));
    expect(run.summary).toContain(digest);
    expect(server.violations).toEqual([]);
    // The token and the registry password are masked and appear nowhere else.
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(run.stdout).toContain(`::add-mask::${REGISTRY_PASSWORD}`);
    expect(secretLeaks(run, [TOKEN, REGISTRY_PASSWORD])).toEqual([]);
  }, 300_000);

  it('fails the step on a wrong registry password, pushes nothing, and still prints no password', async () => {
    const wrong = 'wrong-pw-Kd93nB1';
    const { after, run } = await buildOnPush(wrong);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/^::error::.*(401|unauthori[sz]ed|authentication)/im);
    expect(run.outputs.digest ?? '').toBe('');
    // (When this test runs alone the repository does not exist at all: no tags.)
    const tags = (await (await registry.get('/v2/team/loans/tags/list')).json()) as { tags?: string[] };
    expect(tags.tags ?? []).not.toContain(`sha-${after.slice(0, 7)}`);
    expect(secretLeaks(run, [TOKEN, wrong])).toEqual([]);
  }, 300_000);
});
