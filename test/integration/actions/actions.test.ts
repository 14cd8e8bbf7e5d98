// Runner-contract tests: the committed bundles run as a runner runs them, against the
// OpenAPI-checked GitHub server, with real webhook payloads and (for the gate) a real git repo.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGitHubServer, type GitHubServer } from '../../support/github-server/index.js';
import { removeDir, tempDir } from '../../support/service.js';
import { actionRuntime, pushPayload, runBundledAction, runnerNode, webhookExample } from './runner-contract.js';
import type { Payload } from '../../support/github-server/examples.js';
import { runGate } from '../../../pipeline/gate/run.js';
import { jsonReport } from '../../../pipeline/gate/report/json.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';

const TOKEN = 'ghs_runnerContractToken0123456789';
let server: GitHubServer;
let repo: string;
let base: string;
let scratch: string;

/**
 * A `shardship gate --json` result made here by the real gate, for the `findings-file` input
 * (a result produced by an earlier step). The gate action itself runs the gate in its bundle.
 */
async function realGateResult(head: string, title: string, from = base): Promise<string> {
  const result = await runGate({ repoDir: repo, config: ShardshipConfig.parse({ version: 1 }), mode: { kind: 'pr', base: from, head, title } });
  const file = join(scratch, `gate-${head}.json`);
  writeFileSync(file, JSON.stringify(jsonReport(result)));
  return file;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' } }).trim();
}

/** A commit adding `count` conflict-marker lines (one gate finding, with file and line, each). */
function commitFindings(file: string, count: number, message: string): string {
  mkdirSync(join(repo, file, '..'), { recursive: true });
  writeFileSync(join(repo, file), Array.from({ length: count }, (_, i) => `<<<<<<< HEAD ${i}`).join('\n') + '\n');
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

function prPayload(head: string, title = 'feat: add notes', from = base): Payload {
  const p = webhookExample('pull_request', 'opened');
  p.pull_request.base.sha = from;
  p.pull_request.head.sha = head;
  p.pull_request.title = title;
  return p;
}

beforeAll(async () => {
  server = await startGitHubServer();
  scratch = tempDir('actions-scratch');
  repo = tempDir('actions-repo');
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'shardship.yaml'), 'version: 1\n');
  writeFileSync(join(repo, 'README.md'), '# loans\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'chore: start');
  base = git('rev-parse', 'HEAD');
});
afterAll(async () => {
  await server.stop();
  removeDir(repo);
  removeDir(scratch);
});
afterEach(() => {
  // Every request any action made conformed to GitHub's published OpenAPI description.
  expect(server.violations).toEqual([]);
});

const inputs = (extra: Record<string, string> = {}) => ({ token: TOKEN, config: 'shardship.yaml', 'working-directory': '.', ...extra });

describe('the actions’ runtime', () => {
  it('every action runs on node24, and the contract tests run it under a real Node 24 from npm', () => {
    const steps = ['build', 'gate', 'migrate', 'pipeline', 'promote', 'release'];
    expect(steps.map(actionRuntime)).toEqual(steps.map(() => 'node24'));
    expect(execFileSync(runnerNode('node24'), ['-p', 'process.versions.node'], { encoding: 'utf8' })).toMatch(/^24\./);
    expect(() => runnerNode('node20')).toThrow(/not a runtime GitHub runners offer/);
  });
});

describe('gate action (bundled; the real gate runs inside the bundle on a real repo)', () => {
  it('sends >50 annotations 50 per request and packs an oversized summary with an omitted line', async () => {
    // 200 findings on a long path: the findings table is far beyond 65,535 characters.
    const longPath = `docs/${'very-long-directory-name-'.repeat(9)}/notes.txt`;
    const head = commitFindings(longPath, 200, 'docs: add notes');
    const run = await runBundledAction('gate', { event: 'pull_request', payload: prPayload(head), inputs: inputs(), apiUrl: server.url, workspace: repo, sha: head });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.outputs['gate-result']).toBe('failed');
    expect(run.outputs['gate-findings']).toBe('200');
    const check = server.state.checkRuns.find((c) => c.head_sha === head && c.name === 'shardship/gate')!;
    expect(check.annotationBatches).toEqual([50, 50, 50, 50]);
    expect(check.output.annotations).toHaveLength(200);
    expect(check.conclusion).toBe('failure');
    expect(check.output.summary!.length).toBeLessThanOrEqual(65_535);
    const omitted = /\*\*(\d+) more summary lines omitted\*\*/.exec(check.output.summary!);
    expect(omitted).not.toBeNull();
    const rowsShown = check.output.summary!.split('\n').filter((l) => l.startsWith('| error |')).length;
    expect(rowsShown + Number(omitted![1])).toBe(200);
    // The job summary holds the full table, and the token never appears in any output.
    expect(run.summary.split('\n').filter((l) => l.startsWith('| error |'))).toHaveLength(200);
    // The token is only ever handed to the runner to mask; it appears in no other line.
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`);
    const logged = (run.stdout + run.stderr).split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(logged.join('\n') + run.summary).not.toContain(TOKEN);
  }, 240_000);

  it('runs commitlint (config-conventional), secretlint (preset-recommend) and ESLint (default config) from the bundle on a push', async () => {
    const before = git('rev-parse', 'HEAD');
    mkdirSync(join(repo, 'src'), { recursive: true });
    writeFileSync(join(repo, 'src', 'debug.ts'), 'export function f(n: number): number {\n  debugger;\n  return n;\n}\n');
    writeFileSync(join(repo, 'src', 'settings.env'), `GITHUB_TOKEN=ghp_${'a1B2c3D4e5'.repeat(3)}abcdef\n`);
    git('add', '-A');
    git('commit', '-q', '-m', 'Added Debugging.');
    const after = git('rev-parse', 'HEAD');
    const payload = pushPayload({ before, after });
    const run = await runBundledAction('gate', { event: 'push', payload, inputs: inputs(), apiUrl: server.url, workspace: repo, sha: after });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(/rule crashed|Cannot find (module|package)|ENOENT/);
    const check = server.state.checkRuns.find((c) => c.head_sha === after && c.name === 'shardship/gate')!;
    const annotations = check.output.annotations as { path: string; start_line: number; title?: string; message: string }[];
    // ESLint's recommended set (no-debugger) on the TypeScript file, parsed by typescript-eslint.
    expect(annotations).toContainEqual(expect.objectContaining({ path: 'src/debug.ts', start_line: 2, title: 'code/eslint', message: expect.stringContaining('no-debugger') as unknown }));
    // secretlint's recommended preset, with the match masked.
    const secret = annotations.find((a) => a.title === 'diff/secrets')!;
    expect(secret).toMatchObject({ path: 'src/settings.env', start_line: 1 });
    expect(secret.message).not.toContain('a1B2c3D4e5');
    // commitlint with config-conventional: the same verdicts the CLI gives this message.
    const rows = run.summary.split('\n').filter((l) => l.includes('| commit/message |'));
    expect(rows.map((r) => /\[([a-z-]+)\]/.exec(r)?.[1]).sort()).toEqual(['subject-empty', 'subject-full-stop', 'type-empty']);
    expect(run.outputs['gate-findings']).toBe(String(rows.length + 2));
  }, 240_000);

  it('on a 403 names the missing permission and falls back to workflow-command annotations', async () => {
    const head = commitFindings('conflicts/b.txt', 3, 'docs: add b');
    server.force({ method: 'POST', template: '/repos/{owner}/{repo}/check-runs', status: 403, times: 1 });
    const run = await runBundledAction('gate', { event: 'pull_request', payload: prPayload(head), inputs: inputs(), apiUrl: server.url, workspace: repo, sha: head });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::warning::.*403 on POST check-runs.*"checks: write" permission/);
    const annotations = run.stdout.split('\n').filter((l) => /^::error .*file=conflicts\/b\.txt,line=\d+.*::merge conflict marker/.test(l));
    expect(annotations).toHaveLength(3);
    expect(server.state.checkRuns.some((c) => c.head_sha === head)).toBe(false);
  }, 240_000);
});

describe('gate action (bundled) with findings-file', () => {
  it('reports a `shardship gate --json` result made by an earlier step instead of gating again', async () => {
    const from = git('rev-parse', 'HEAD');
    const head = commitFindings('conflicts/d.txt', 2, 'docs: add d');
    const findings = await realGateResult(head, 'feat: add notes', from);
    // The repo moves on after the result was made: the action reports the file, not the new tree.
    commitFindings('conflicts/e.txt', 5, 'docs: add e');
    const run = await runBundledAction('gate', { event: 'pull_request', payload: prPayload(head, 'feat: add notes', from), inputs: inputs({ 'findings-file': findings }), apiUrl: server.url, workspace: repo, sha: head });
    expect(run.code).toBe(1);
    expect(run.outputs['gate-findings']).toBe('2');
    const check = server.state.checkRuns.find((c) => c.head_sha === head && c.name === 'shardship/gate')!;
    expect((check.output.annotations as { path: string }[]).map((a) => a.path)).toEqual(['conflicts/d.txt', 'conflicts/d.txt']);
  }, 240_000);
});

describe('pipeline action (bundled)', () => {
  it('keeps one sticky plan comment on the PR, edited on the second run', async () => {
    const head = commitFindings('conflicts/c.txt', 1, 'docs: add c');
    const payload = prPayload(head);
    payload.number = 31;
    // The real gate runs inside the pipeline bundle too.
    const first = await runBundledAction('pipeline', { event: 'pull_request', payload, inputs: inputs(), apiUrl: server.url, workspace: repo, sha: head });
    payload.action = 'synchronize';
    const second = await runBundledAction('pipeline', { event: 'pull_request', payload, inputs: inputs(), apiUrl: server.url, workspace: repo, sha: head });
    const comments = server.state.comments.filter((c) => c.issue_number === 31);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.edits).toBe(1);
    expect(comments[0]!.body).toMatch(/^<!-- shardship:plan -->/);
    expect(comments[0]!.body).toContain('diff/conflict-markers');
    expect(first.outputs['comment-id']).toBe(String(comments[0]!.id));
    expect(second.outputs['comment-id']).toBe(String(comments[0]!.id));
  }, 240_000);

  it('refuses a slash command from a commenter without write permission, checked through the API', async () => {
    const payload = webhookExample('issue_comment', 'created');
    payload.comment.body = '/shardship promote loan-service';
    // The payload says OWNER; the API says read: the API wins.
    payload.comment.author_association = 'OWNER';
    server.state.collaborators.set(payload.comment.user.login, 'read');
    const run = await runBundledAction('pipeline', { event: 'issue_comment', payload, inputs: inputs(), apiUrl: server.url, workspace: repo });
    expect(run.code).toBe(1);
    expect(run.outputs['command-result']).toBe('refused');
    expect(server.requests.some((r) => r.route?.operationId === 'repos/get-collaborator-permission-level')).toBe(true);
    const reply = server.state.comments.filter((c) => c.issue_number === payload.issue.number).at(-1)!;
    expect(reply.body).toContain('refused');
    expect(reply.body).toContain('Nothing was done');
    expect(server.state.reactions.at(-1)).toEqual({ comment_id: payload.comment.id, content: 'confused', user: server.tokenUser });
  }, 240_000);

  it('answers a malformed command with usage and never evaluates it', async () => {
    const payload = webhookExample('issue_comment', 'created');
    payload.comment.body = '/shardship promote $(touch /tmp/shardship-pwned)';
    const run = await runBundledAction('pipeline', { event: 'issue_comment', payload, inputs: inputs(), apiUrl: server.url, workspace: repo });
    expect(run.code).toBe(0);
    expect(server.state.comments.at(-1)!.body).toContain('too many words');
    expect(server.state.reactions.at(-1)!.content).toBe('confused');
  }, 240_000);
});

describe('promote action (bundled)', () => {
  it('refuses when the source environment has no successful deployment', async () => {
    writeFileSync(join(repo, 'shardship.yaml'), 'version: 1\nenvironments:\n  staging: { branch: main }\n  production: { branch: release }\n');
    const payload = webhookExample('workflow_dispatch');
    const run = await runBundledAction('promote', { event: 'workflow_dispatch', payload, inputs: inputs({ to: 'production' }), apiUrl: server.url, workspace: repo });
    writeFileSync(join(repo, 'shardship.yaml'), 'version: 1\n');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('refusing to promote to production: staging has no successful deployment');
    expect(server.state.deployments.filter((d) => d.environment === 'production')).toEqual([]);
  }, 240_000);
});
