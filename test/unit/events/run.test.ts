// The event pipeline's executor against the OpenAPI-checked GitHub server, with the stage
// port answering with reports built here (the stage cores have their own tests).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../pipeline/events/run.js';
import type { PipelineStages } from '../../../pipeline/events/stages.js';
import { webhookExample } from '../../support/github-server/examples.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { createGitHubApi } from '../../../pipeline/github/octokit.js';
import { memoryRunner } from '../../../pipeline/github/runner.js';
import { startGitHubServer, type GitHubServer } from '../../support/github-server/index.js';
import type { GitHubApi } from '../../../pipeline/events/github-api.js';
import type { MigrationStageReport, ReleaseStageReport } from '../../../pipeline/report/types.js';

const example = webhookExample;

const config = ShardshipConfig.parse({
  version: 1,
  environments: { staging: { branch: 'main' }, production: { branch: 'release' } },
  migrate: { environments: { staging: { nodes: { n1: { dsnEnv: 'N1_DSN' } }, databases: { loan_0: 'n1', loan_1: 'n1' }, tables: { t: { kind: 'broadcast' } } } } },
  release: { apps: { 'loan-service': {} } },
});
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const DIGEST = `sha256:${'d'.repeat(64)}`;

const migration = (apply: boolean): MigrationStageReport => ({
  environment: 'staging',
  plan: {
    environment: 'staging',
    migrations: [{ version: '0002', description: 'add rate', file: 'migrations/0002_add_rate.sql', checksum: 'c' }],
    databases: ['loan_0', 'loan_1'].map((database) => ({
      target: { node: 'n1', database },
      migrations: [{ migration: { version: '0002', description: 'add rate', file: 'f', checksum: 'c' }, statements: [{ index: 0, sql: 'ALTER TABLE t ADD rate INT', logicalTable: 't', physicalTable: 't', sourceStatement: 1, sourceLine: 1, kind: 'ddl' as const }] }],
    })),
    findings: [{ ruleId: 'sql/no-default-null', severity: 'warn', file: 'migrations/0002_add_rate.sql', line: 1, message: 'column without default' }],
  },
  ...(apply ? { results: ['loan_0', 'loan_1'].map((database) => ({ node: 'n1', database, version: '0002', status: 'applied' as const })) } : {}),
});
const release = (state: string): ReleaseStageReport => ({
  app: 'loan-service',
  environment: 'staging',
  state,
  steps: [{ name: 'canary', weight: 10, status: 'done' }, { name: 'full', weight: 100, status: 'done' }],
  samples: [{ t: 0, weight: 10, errorRate: 0.001 }, { t: 60_000, weight: 100, errorRate: 0.002 }],
});

function stages(calls: string[], opts: { gatePasses?: boolean } = {}): PipelineStages {
  return {
    gate: (r) => Promise.resolve((calls.push(`gate ${r.base ?? ''}..${r.head}`), { range: 'r', passed: opts.gatePasses ?? true, findings: opts.gatePasses === false ? [{ ruleId: 'commit/conventional', severity: 'error', message: 'not conventional', commit: r.head }] : [] })),
    build: (r) => Promise.resolve((calls.push(`build push=${r.push}`), { image: '127.0.0.1:5000/loan-service:main', digest: DIGEST, tags: ['main'], pushed: r.push })),
    migrate: (r) => Promise.resolve((calls.push(`migrate ${r.environment} apply=${r.apply}`), migration(r.apply))),
    release: (r) => Promise.resolve((calls.push(`release ${r.environment} ${r.digest ?? ''}`), [release('promoted')])),
    control: (r) => Promise.resolve((calls.push(`control ${r.action} ${r.app ?? ''}`), [release('paused')])),
  };
}

let server: GitHubServer;
let github: GitHubApi;
beforeAll(async () => {
  server = await startGitHubServer();
  github = createGitHubApi({ token: 'ghs_eventtesttoken', repository: 'Codertocat/Hello-World', baseUrl: server.url });
});
afterAll(() => server.stop());
afterEach(() => expect(server.violations).toEqual([]));

describe('runPipeline', () => {
  it('push to main runs every stage, records a deployment with the digest, and sets outputs', async () => {
    const calls: string[] = [];
    const runner = memoryRunner();
    const p = Object.assign(example('push'), { ref: 'refs/heads/main', before: A, after: B, deleted: false });
    const out = await runPipeline({ event: 'push', payload: p, config, adapters: { github, runner, stages: stages(calls) } });
    expect(calls).toEqual([`gate ${A}..${B}`, 'build push=true', 'migrate staging apply=true', `release staging ${DIGEST}`]);
    expect(out.exitCode).toBe(0);
    expect(runner.outputs).toMatchObject({ digest: DIGEST, 'gate-result': 'passed', 'release-state': 'loan-service=promoted', 'migration-summary': '1 migration(s) on 2 database(s) in staging: 2 applied, 0 skipped, 0 failed' });
    const dep = server.state.deployments.at(-1)!;
    expect(dep).toMatchObject({ environment: 'staging', sha: B, payload: { digest: DIGEST } });
    expect(dep.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(server.state.checkRuns.map((c) => c.name)).toEqual(['shardship/gate', 'shardship/build', 'shardship/migrate', 'shardship/release (staging)']);
    expect(server.state.statuses.at(-1)).toMatchObject({ sha: B, state: 'success', context: 'shardship/push' });
    expect(runner.summaries[0]).toContain('| n1 | loan_0 | ✅ applied |');
  }, 60_000);

  it('a failed gate on push stops the later stages and fails', async () => {
    const calls: string[] = [];
    const runner = memoryRunner();
    const p = Object.assign(example('push'), { ref: 'refs/heads/main', before: A, after: B, deleted: false });
    const out = await runPipeline({ event: 'push', payload: p, config, adapters: { github, runner, stages: stages(calls, { gatePasses: false }) } });
    expect(calls).toEqual([`gate ${A}..${B}`]);
    expect(out.exitCode).toBe(1);
    expect(out.report.notes!.join('\n')).toContain('build skipped: an earlier stage failed');
  }, 60_000);

  it('pull_request: one sticky plan comment, edited on the next push to the PR', async () => {
    const p = example('pull_request', 'opened');
    p.pull_request.base.ref = 'main';
    const calls: string[] = [];
    await runPipeline({ event: 'pull_request', payload: p, config, adapters: { github, runner: memoryRunner(), stages: stages(calls) } });
    p.action = 'synchronize';
    const out = await runPipeline({ event: 'pull_request', payload: p, config, adapters: { github, runner: memoryRunner(), stages: stages(calls) } });
    const once = [`gate ${p.pull_request.base.sha}..${p.pull_request.head.sha}`, 'migrate staging apply=false', 'build push=false'];
    expect(calls).toEqual([...once, ...once]);
    const comments = server.state.comments.filter((c) => c.issue_number === 2);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.edits).toBe(1);
    expect(comments[0]!.body).toMatch(/^<!-- shardship:plan -->/);
    expect(comments[0]!.body).toContain('📝 planned (1 stmt)');
    expect(comments[0]!.body).toContain('sql/no-default-null');
    expect(out.outputs['comment-id']).toBe(String(comments[0]!.id));
  }, 60_000);

  it('a slash command from a user without write permission is refused and nothing runs', async () => {
    server.state.collaborators.set('Codertocat', 'read');
    const p = example('issue_comment', 'created');
    p.comment.body = '/shardship promote loan-service';
    const calls: string[] = [];
    const out = await runPipeline({ event: 'issue_comment', payload: p, config, adapters: { github, runner: memoryRunner(), stages: stages(calls) } });
    expect(calls).toEqual([]);
    expect(out.exitCode).toBe(1);
    expect(out.outputs['command-result']).toBe('refused');
    const reply = server.state.comments.at(-1)!;
    expect(reply.body).toContain('refused');
    expect(reply.body).toContain('you have: read');
    expect(server.state.reactions.at(-1)).toMatchObject({ comment_id: p.comment.id, content: 'confused' });
  }, 60_000);

  it('a slash command from a maintainer runs, is answered and gets a +1', async () => {
    server.state.collaborators.set('Codertocat', 'maintain');
    const p = example('issue_comment', 'created');
    p.comment.body = '/shardship pause loan-service';
    const calls: string[] = [];
    const out = await runPipeline({ event: 'issue_comment', payload: p, config, adapters: { github, runner: memoryRunner(), stages: stages(calls) } });
    expect(calls).toEqual(['control pause loan-service']);
    expect(out.outputs['command-result']).toBe('done');
    expect(server.state.comments.at(-1)!.body).toContain('loan-service');
    expect(server.state.reactions.at(-1)).toMatchObject({ comment_id: p.comment.id, content: '+1' });
  }, 60_000);

  it('workflow_dispatch promotes the digest that passed staging, and refuses when none did', async () => {
    const p = example('workflow_dispatch');
    p.inputs = { to: 'production', digest: `sha256:${'e'.repeat(64)}` };
    const calls: string[] = [];
    const refused = await runPipeline({ event: 'workflow_dispatch', payload: p, config, adapters: { github, runner: memoryRunner(), stages: stages(calls) } });
    expect(refused.exitCode).toBe(1);
    expect(refused.report.notes!.join()).toContain(`refusing to promote to production: staging has no successful deployment of sha256:${'e'.repeat(64)}`);
    expect(calls).toEqual([]);
    p.inputs = { to: 'production' };
    const ok = await runPipeline({ event: 'workflow_dispatch', payload: p, config, adapters: { github, runner: memoryRunner(), stages: stages(calls) } });
    expect(ok.exitCode).toBe(0);
    expect(calls).toEqual([`release production ${DIGEST}`]);
    expect(server.state.deployments.at(-1)).toMatchObject({ environment: 'production', sha: B, payload: { digest: DIGEST } });
  }, 60_000);

  it('a push leaves the canary paused; /shardship promote completes it and settles the deployment and the push status', async () => {
    server.state.collaborators.set('Codertocat', 'write');
    const C = 'c'.repeat(40);
    // Last, with a digest of its own: the staging deployment it completes becomes the newest successful one.
    const digest = `sha256:${'f'.repeat(64)}`;
    const image = `127.0.0.1:5000/loan-service@${digest}`;
    const calls: string[] = [];
    const base = stages(calls);
    const paused: PipelineStages = {
      ...base,
      build: async (r) => ({ ...(await base.build!(r)), digest }),
      release: () => Promise.resolve([{ ...release('paused'), image }]),
    };
    const push = Object.assign(example('push'), { ref: 'refs/heads/main', before: A, after: C, deleted: false });
    const pushed = await runPipeline({ event: 'push', payload: push, config, adapters: { github, runner: memoryRunner(), stages: paused } });
    expect(pushed.exitCode).toBe(3);
    const dep = server.state.deployments.at(-1)!;
    expect(dep).toMatchObject({ sha: C, environment: 'staging', payload: { digest, event: 'push' } });
    expect(dep.statuses.map((st) => st.state)).toEqual(['in_progress', 'in_progress']);
    expect(server.state.statuses.at(-1)).toMatchObject({ sha: C, state: 'pending', context: 'shardship/push' });

    const comment = example('issue_comment', 'created');
    comment.comment.body = '/shardship promote loan-service';
    const promoted: PipelineStages = { ...stages(calls), control: () => Promise.resolve([{ ...release('promoted'), image }]) };
    const out = await runPipeline({ event: 'issue_comment', payload: comment, config, adapters: { github, runner: memoryRunner(), stages: promoted } });
    expect(out.outputs['command-result']).toBe('done');
    expect(dep.statuses.map((st) => st.state)).toEqual(['in_progress', 'in_progress', 'success']);
    expect(server.state.statuses.at(-1)).toMatchObject({ sha: C, state: 'success', context: 'shardship/push' });
    // Settled once: a second promote finds nothing in progress and changes nothing.
    await runPipeline({ event: 'issue_comment', payload: comment, config, adapters: { github, runner: memoryRunner(), stages: promoted } });
    expect(dep.statuses).toHaveLength(3);
  }, 60_000);
});
