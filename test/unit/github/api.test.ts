// The octokit adapter against the local GitHub contract server (OpenAPI-checked).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubApi } from '../../../pipeline/github/octokit.js';
import { publishCheckRun } from '../../../pipeline/github/checks.js';
import { upsertStickyComment } from '../../../pipeline/github/sticky.js';
import { GitHubNotFoundError, GitHubPermissionError, GitHubValidationError } from '../../../pipeline/github/errors.js';
import { memoryRunner } from '../../../pipeline/github/runner.js';
import { startGitHubServer, type GitHubServer } from '../../support/github-server/index.js';
import type { GitHubApi } from '../../../pipeline/events/github-api.js';

const SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
let server: GitHubServer;
let api: GitHubApi;

beforeAll(async () => {
  server = await startGitHubServer();
  api = createGitHubApi({ token: 'ghs_testtoken123456', repository: 'octo/loans', baseUrl: server.url });
});
afterAll(() => server.stop());
afterEach(() => {
  // Every request the adapter made must conform to GitHub's OpenAPI description.
  expect(server.violations).toEqual([]);
});

describe('contract server', () => {
  it('rejects an unknown route and a body that breaks the schema, and records both', async () => {
    const h = { authorization: 'token x', 'content-type': 'application/json' };
    const unknown = await fetch(`${server.url}/repos/octo/loans/not-a-thing`, { headers: h });
    expect(unknown.status).toBe(404);
    const bad = await fetch(`${server.url}/repos/octo/loans/check-runs`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'x' }) });
    expect(bad.status).toBe(422);
    const tooMany = await fetch(`${server.url}/repos/octo/loans/check-runs`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({
        name: 'x',
        head_sha: SHA,
        output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, () => ({ path: 'a', start_line: 1, end_line: 1, annotation_level: 'warning', message: 'm' })) },
      }),
    });
    expect(tooMany.status).toBe(422);
    expect(server.violations).toHaveLength(3);
    expect(server.violations[1]).toContain("must have required property 'head_sha'");
    expect(server.violations[2]).toMatch(/annotations.*must NOT have more than 50 items/);
    server.violations.length = 0;
  });
});

describe('GitHubApi (octokit adapter)', () => {
  it('sends 120 annotations as 50 + 50 + 20 across create and updates', async () => {
    const runner = memoryRunner();
    const annotations = Array.from({ length: 120 }, (_, i) => ({ path: 'src/a.ts', startLine: i + 1, endLine: i + 1, level: 'warning' as const, message: `m${i}` }));
    const r = await publishCheckRun(api, runner, { name: 'shardship/gate', headSha: SHA, title: 't', summaryLines: ['ok'], conclusion: 'failure', annotations });
    expect(r).toMatchObject({ kind: 'check-run', requests: 3 });
    const run = server.state.checkRuns.at(-1)!;
    expect(run.annotationBatches).toEqual([50, 50, 20]);
    expect(run.output.annotations).toHaveLength(120);
    expect(run.conclusion).toBe('failure');
    expect(run.status).toBe('completed');
  }, 60_000);

  it('translates a 403 into the missing permission and falls back to annotations', async () => {
    server.force({ method: 'POST', template: '/repos/{owner}/{repo}/check-runs', status: 403, times: 1 });
    await expect(api.createCheckRun({ name: 'x', headSha: SHA, status: 'completed', conclusion: 'success' })).rejects.toThrow(GitHubPermissionError);
    server.force({ method: 'POST', template: '/repos/{owner}/{repo}/check-runs', status: 403, times: 1 });
    const runner = memoryRunner();
    const r = await publishCheckRun(api, runner, {
      name: 'shardship/gate',
      headSha: SHA,
      title: 't',
      summaryLines: [],
      conclusion: 'failure',
      annotations: [{ path: 'src/a.ts', startLine: 3, endLine: 3, level: 'failure', message: 'bad' }],
    });
    expect(r).toMatchObject({ kind: 'annotations-fallback', missingPermission: 'checks: write' });
    expect(runner.logs.join('\n')).toContain('checks: write');
    expect(runner.annotations).toEqual([{ level: 'error', message: 'bad', props: { file: 'src/a.ts', line: 3, endLine: 3, title: undefined } }]);
  });

  it('translates 404 and 422', async () => {
    await expect(api.getCollaboratorPermission('stranger')).rejects.toThrow(GitHubNotFoundError);
    server.force({ method: 'POST', template: '/repos/{owner}/{repo}/statuses/{sha}', status: 422, body: { message: 'Validation Failed', errors: [{ code: 'custom' }] }, times: 1 });
    await expect(api.createCommitStatus({ sha: SHA, state: 'success', context: 'c' })).rejects.toThrow(GitHubValidationError);
  });

  it('keeps one sticky comment per key, edited in place', async () => {
    const a = await upsertStickyComment(api, 7, 'plan', 'first');
    const b = await upsertStickyComment(api, 7, 'plan', 'second');
    const c = await upsertStickyComment(api, 7, 'plan', 'third');
    expect(a.action).toBe('created');
    expect([b.action, c.action]).toEqual(['updated', 'updated']);
    const mine = server.state.comments.filter((x) => x.issue_number === 7);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toBe('<!-- shardship:plan -->\nthird');
    expect(mine[0]!.edits).toBe(2);
  }, 30_000);

  it('reads permissions, deployments and PR commits', async () => {
    server.state.collaborators.set('maintainer', 'maintain');
    expect(await api.getCollaboratorPermission('maintainer')).toEqual({ permission: 'write', roleName: 'maintain' });
    const d = await api.createDeployment({ ref: SHA, environment: 'staging', payload: { digest: 'sha256:' + 'a'.repeat(64) } });
    await api.createDeploymentStatus(d.id, { state: 'success' });
    const list = await api.listDeployments({ environment: 'staging' });
    expect(list[0]).toMatchObject({ id: d.id, sha: SHA, payload: { digest: 'sha256:' + 'a'.repeat(64) } });
    expect((await api.listDeploymentStatuses(d.id))[0]!.state).toBe('success');
    server.state.pullCommits.set(3, [{ sha: SHA, message: 'feat: x' }]);
    expect(await api.listPullRequestCommits(3)).toEqual([{ sha: SHA, message: 'feat: x' }]);
  }, 30_000);
});
