// Runner contract of the bundled release and promote actions against real control planes: real
// push / workflow_dispatch payloads, INPUT_* variables, KUBECONFIG naming the cluster of the
// job's environment. The bundle finds its default deploy templates (deploy-templates/app) in
// the action checkout, which has no node_modules and no sources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlRun, sharedControlPlane, startControlPlane, stopControlPlane, type ControlPlane } from '../../support/cluster/control-plane.js';
import { removeDir, tempDir } from '../../support/service.js';
import { startGitHubServer, type GitHubServer } from '../../support/github-server/index.js';
import { pushPayload, runBundledAction, secretLeaks, webhookExample } from './runner-contract.js';
import { GIT_ENV } from '../../unit/gate/git-fixture.js';

const TOKEN = 'ghs_releaseContractToken0123456789';
const NS = `release-action-${process.pid}`;
const IMAGE = 'registry.example.com/team/web';
const D1 = `sha256:${'1a'.repeat(32)}`;
const D2 = `sha256:${'2b'.repeat(32)}`;
let staging: ControlPlane;
let production: ControlPlane;
let productionDir: string;
let server: GitHubServer;
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: GIT_ENV }).trim();
}

const CONFIG = `version: 1
environments:
  staging: { branch: main }
  production: { branch: release }
release:
  namespace: ${NS}
  apps:
    web:
      replicas: 2
      router: { istio: {} }
      strategy: { canary: { steps: [{ setWeight: 30 }, { pause: {} }] } }
`;

beforeAll(async () => {
  // One cluster per environment, as each environment's job would have its own KUBECONFIG:
  // staging is the shared test bed, production a second control plane of its own.
  productionDir = tempDir('release-action-production');
  [staging, production, server] = await Promise.all([sharedControlPlane(), startControlPlane(productionDir), startGitHubServer()]);
  for (const plane of [staging, production]) await kube(plane, ['create', 'namespace', NS]);
  repo = tempDir('release-action-repo');
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'shardship.yaml'), CONFIG);
  git('add', '-A');
  git('commit', '-q', '-m', 'feat: web');
}, 60_000);
afterAll(async () => {
  if (staging) await kube(staging, ['delete', 'namespace', NS, '--wait=false']);
  await Promise.all([production ? stopControlPlane(production) : undefined, server?.stop()]);
  if (productionDir) removeDir(productionDir);
  if (repo) removeDir(repo);
});

async function kube(plane: ControlPlane, args: string[]): Promise<string> {
  const r = await kubectlRun(plane, args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
async function kubeGet<T>(plane: ControlPlane, what: string[]): Promise<T> {
  return JSON.parse(await kube(plane, ['get', '-n', NS, '-o', 'json', ...what])) as T;
}
type DeploymentList = { items: { metadata: { name: string }; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }[] };
type VirtualService = { spec: { http: { name: string; route: { destination: { subset?: string; host: string }; weight?: number }[] }[] } };
const images = async (plane: ControlPlane) =>
  Object.fromEntries((await kubeGet<DeploymentList>(plane, ['deployments.apps'])).items.map((d) => [d.metadata.name, { image: d.spec.template.spec.containers[0]!.image, replicas: d.spec.replicas }]));
const weights = async (plane: ControlPlane) => (await kubeGet<VirtualService>(plane, ['virtualservices.networking.istio.io', 'web'])).spec.http[0]!.route.map((r) => r.weight ?? 0).sort((a, b) => a - b);

const release = (digest: string, tag: string) => {
  const sha = git('rev-parse', 'HEAD');
  return runBundledAction('release', {
    event: 'push',
    payload: pushPayload({ before: '0'.repeat(40), after: sha }),
    inputs: { token: TOKEN, config: 'shardship.yaml', 'working-directory': '.', environment: 'staging', image: `${IMAGE}:${tag}`, digest },
    apiUrl: server.url,
    workspace: repo,
    sha,
    env: { KUBECONFIG: staging.kubeconfigPath },
  });
};

describe('release and promote actions (bundled) against real control planes', () => {
  it('release: deploys by digest with the bundled templates, then a canary pauses at 30%; promote ships the digest that passed staging', async () => {
    const first = await release(D1, '1');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stderr).not.toContain('deploy-templates');
    expect(first.outputs['release-state']).toBe('web=promoted');
    expect(Object.values(await images(staging))).toContainEqual({ image: `${IMAGE}@${D1}`, replicas: 2 });

    const second = await release(D2, '2');
    // Paused awaiting promotion is a normal stop: the step passes and says so.
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.outputs['release-state']).toBe('web=paused');
    expect(second.outputs['exit-code']).toBe('3');
    const running = Object.values(await images(staging)).filter((d) => d.replicas > 0).map((d) => d.image).sort();
    expect(running).toEqual([`${IMAGE}@${D1}`, `${IMAGE}@${D2}`]);
    expect(await weights(staging)).toEqual([30, 70]);
    expect(second.summary).toMatch(/web/);
    expect(second.summary).toContain('paused');

    // GitHub deployments: the first succeeded, the paused one is still in progress.
    const deps = server.state.deployments.filter((d) => d.environment === 'staging');
    expect(deps.map((d) => (d.payload as { digest: string }).digest)).toEqual([D1, D2]);
    expect(deps.map((d) => d.statuses.at(-1)!.state)).toEqual(['success', 'in_progress']);
    expect(server.state.checkRuns.filter((c) => c.name === 'shardship/release (staging)').map((c) => c.conclusion)).toEqual(['success', 'neutral']);

    // promote (workflow_dispatch) to production: the newest digest that PASSED staging is D1, not the paused D2.
    const dispatch = webhookExample('workflow_dispatch');
    dispatch.inputs = { to: 'production' };
    const promoted = await runBundledAction('promote', {
      event: 'workflow_dispatch',
      payload: dispatch,
      inputs: { token: TOKEN, config: 'shardship.yaml', 'working-directory': '.', to: 'production' },
      apiUrl: server.url,
      workspace: repo,
      env: { KUBECONFIG: production.kubeconfigPath },
    });
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(promoted.outputs.digest).toBe(D1);
    expect(promoted.outputs.image).toBe(`${IMAGE}:1`);
    expect(promoted.outputs['release-state']).toBe('web=promoted');
    expect(Object.values(await images(production))).toEqual([{ image: `${IMAGE}@${D1}`, replicas: 2 }]);
    const prod = server.state.deployments.filter((d) => d.environment === 'production');
    expect(prod).toHaveLength(1);
    expect(prod[0]!.statuses.at(-1)!.state).toBe('success');

    expect(server.violations).toEqual([]);
    for (const r of [first, second, promoted]) expect(secretLeaks(r, [TOKEN])).toEqual([]);
  }, 300_000);
});
