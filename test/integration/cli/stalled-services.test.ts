// Every network client gives up on a service that accepts connections and never answers:
// a clear message naming the service and exit 4 (or 1), never a hang. Each client is pointed
// at a real TCP server on loopback that accepts and stays silent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { TimedOutError } from '../../../pipeline/core/errors.js';
import { createGitHubApi } from '../../../pipeline/github/octokit.js';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { prometheusSource } from '../../../pipeline/prometheus/client.js';
import { measure } from '../../../pipeline/release/analysis.js';
import { AnalysisTemplate } from '../../../pipeline/config/release.js';
import { createShardConnector } from '../../../pipeline/mysql/pool.js';
import { ShardError } from '../../../pipeline/core/shards.js';
import { startShardNodes, type ShardNodes } from '../../support/mariadb.js';
import { startSilentServer, type SilentServer } from '../../support/silent-server.js';
import { removeDir, tempDir } from '../../support/service.js';
import { webhookExample } from '../../support/github-server/examples.js';

let silent: SilentServer;
const dirs: string[] = [];
beforeAll(async () => {
  silent = await startSilentServer();
});
afterAll(async () => {
  await silent.stop();
  dirs.forEach(removeDir);
});

function repo(yaml: string, files: Record<string, string> = {}): string {
  const d = tempDir('stalled');
  dirs.push(d);
  writeFileSync(join(d, 'shardship.yaml'), yaml);
  for (const [p, t] of Object.entries(files)) writeFileSync(join(d, p), t);
  return d;
}

async function cli(dir: string, argv: string[], env: NodeJS.ProcessEnv) {
  const output = memoryOutput();
  const t0 = Date.now();
  const code = await main(argv, { cwd: dir, env, output });
  return { code, ms: Date.now() - t0, err: output.stderr.join('\n'), out: output.stdout.join('\n') };
}

/** Time a promise that must reject. */
async function rejection(p: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const t0 = Date.now();
  try {
    await p;
  } catch (e) {
    return { error: e as Error, ms: Date.now() - t0 };
  }
  throw new Error('expected a rejection');
}

describe('a service that accepts and never answers', () => {
  it('GitHub API: one request times out (no retry storm), `run` exits 4 naming GitHub', async () => {
    const api = createGitHubApi({ token: 'ghp_stalledtoken0001', repository: 'o/r', baseUrl: silent.url, timeoutMs: 500 });
    const before = silent.accepted;
    const { error, ms } = await rejection(api.createComment(1, 'hi'));
    expect(error).toBeInstanceOf(TimedOutError);
    expect(error.message).toBe('GitHub API: POST issue comment got no answer within 0.5s');
    expect(ms).toBeLessThan(3000);
    // plugin-retry would try a 5xx three more times (4+ connections, 14 s of backoff); undici
    // itself opens one more socket after an aborted request, so 2 is one attempt.
    expect(silent.accepted - before).toBeLessThanOrEqual(2);

    const payload = webhookExample('issue_comment', 'created');
    payload.comment.body = '/shardship abort';
    const dir = repo('version: 1\ntimeouts:\n  github: 1s\n', { 'comment.json': JSON.stringify(payload) });
    const r = await cli(dir, ['run', '--event', 'issue_comment', '--payload', 'comment.json'], { GITHUB_TOKEN: 'ghp_stalledtoken0002', GITHUB_API_URL: silent.url });
    expect(r.code, r.err + r.out).toBe(4);
    expect(r.err + r.out).toContain('GitHub API');
    expect(r.err + r.out).toContain('no answer within 1s');
    expect(r.err + r.out).not.toContain('ghp_stalledtoken0002');
    expect(r.ms).toBeLessThan(15_000);
  });

  it('Kubernetes API: `release status` exits 4 naming kubernetes and the server, without retrying the stalled request', async () => {
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: s, cluster: { server: "' + silent.url + '", insecure-skip-tls-verify: true } }]',
      'users: [{ name: s, user: { token: t } }]',
      'contexts: [{ name: s, context: { cluster: s, user: s, namespace: default } }]',
      'current-context: s',
      '',
    ].join('\n');
    const dir = repo('version: 1\ntimeouts:\n  kubernetes: 1s\nrelease:\n  apps:\n    web: {}\n', { kubeconfig });
    const r = await cli(dir, ['release', 'status', '--app', 'web', '--kubeconfig', join(dir, 'kubeconfig')], {});
    expect(r.code, r.err).toBe(4);
    expect(r.err).toMatch(new RegExp(`kubernetes: GET /api/v1/namespaces/default/configmaps/\\S+ got no answer within 1s from ${silent.url}`));
    expect(r.ms).toBeLessThan(10_000);

    const cluster = connectCluster({ kubeconfigPath: join(dir, 'kubeconfig'), requestTimeoutMs: 300, retries: 4 });
    const { error, ms } = await rejection(cluster.list('v1', 'Pod', 'default'));
    expect(error).toBeInstanceOf(TimedOutError);
    expect(ms).toBeLessThan(2000);
  });

  it('Prometheus: a query times out naming prometheus; the analysis measurement says so (inconclusive, not a hang)', async () => {
    const { error, ms } = await rejection(prometheusSource(silent.url, { timeoutMs: 400 }).query('up'));
    expect(error).toBeInstanceOf(TimedOutError);
    expect(error.message).toBe(`prometheus: ${silent.url} gave no answer within 0.4s`);
    expect(ms).toBeLessThan(3000);
  });

  it('HTTP analysis check: times out after timeouts.http with a message naming the URL', async () => {
    const t = AnalysisTemplate.parse({ http: { url: `${silent.url}/healthz` } });
    const t0 = Date.now();
    const m = await measure(t, { app: 'web', namespace: 'default', canaryTrack: 'canary', stableTrack: 'stable', cluster: undefined as never, env: {}, httpTimeoutMs: 400 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(m.outcome).toBe('Inconclusive');
    expect(m.message).toBe(`HTTP check ${silent.url}/healthz: no answer within 0.4s (timeouts.http)`);
  });

  it('Docker engine: `build` exits 4 naming the engine and the call', async () => {
    const dir = repo('version: 1\ntimeouts:\n  docker: 1s\nbuild:\n  repository: 127.0.0.1:5000/x\n', { Dockerfile: 'FROM scratch\n' });
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e', PATH: process.env.PATH };
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
    execFileSync('git', ['add', '-A'], { cwd: dir });
    execFileSync('git', ['commit', '-q', '-m', 'feat: x'], { cwd: dir, env });
    const r = await cli(dir, ['build'], { DOCKER_HOST: `tcp://127.0.0.1:${silent.port}` });
    expect(r.code, r.err).toBe(4);
    expect(r.err).toContain(`docker: the engine at http://127.0.0.1:${silent.port} gave no answer to GET /version within 1s`);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('MySQL connect: a node that never sends its handshake fails within timeouts.mysqlConnect, naming the node', async () => {
    const connector = createShardConnector({
      environment: 'prod',
      nodes: { n1: { dsnEnv: 'N1_DSN' } },
      env: { N1_DSN: `mysql://u:secretpw@127.0.0.1:${silent.port}/` },
      nodeConcurrency: 1,
      connectTimeoutMs: 500,
    });
    try {
      const { error, ms } = await rejection(connector.connect({ node: 'n1', database: 'loan_0' }));
      expect(error).toBeInstanceOf(ShardError);
      expect((error as ShardError).kind).toBe('unreachable');
      expect(error.message).toMatch(/^mysql n1: cannot connect \(database loan_0\)/);
      expect(error.message).not.toContain('secretpw');
      expect(ms).toBeLessThan(3000);
    } finally {
      await connector.end();
    }
  });
});

describe('a MySQL node that stops answering mid-statement', () => {
  let shards: ShardNodes;
  beforeAll(async () => {
    shards = await startShardNodes(1);
  }, 120_000);
  afterAll(async () => {
    await shards?.stopAll();
  });

  it('a statement fails after timeouts.mysqlQuery, naming the node and the limit', async () => {
    const node = shards.nodes[0]!;
    const connector = createShardConnector({ environment: 'prod', nodes: { n1: { dsnEnv: 'N1_DSN' } }, env: { N1_DSN: node.dsn }, nodeConcurrency: 1, queryTimeoutMs: 500 });
    try {
      const session = await connector.connect({ node: 'n1', database: 'mysql' });
      const { error, ms } = await rejection(session.query('SELECT SLEEP(30)'));
      await session.close();
      expect(error).toBeInstanceOf(ShardError);
      expect(error.message).toContain('mysql n1: mysql: query failed (no answer within 0.5s, timeouts.mysqlQuery)');
      expect(ms).toBeLessThan(3000);
    } finally {
      await connector.end();
    }
  });
});
