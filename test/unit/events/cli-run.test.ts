// `shardship run` end to end through the CLI entry, against the OpenAPI-checked server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';
import { startGitHubServer, type GitHubServer } from '../../support/github-server/index.js';
import { webhookExample } from '../../support/github-server/examples.js';
import { shardResults } from '../../../pipeline/events/wire-migrate.js';

let dir: string;
let server: GitHubServer;
beforeAll(async () => {
  dir = tempDir('cli-run');
  server = await startGitHubServer();
  writeFileSync(join(dir, 'shardship.yaml'), 'version: 1\nenvironments:\n  staging: { branch: main }\n  production: { branch: release }\n');
});
afterAll(async () => {
  removeDir(dir);
  await server.stop();
});

describe('shardship run', () => {
  it('--dry-run --json prints the plan for a real payload', async () => {
    const payload = webhookExample('pull_request', 'opened');
    writeFileSync(join(dir, 'pr.json'), JSON.stringify(payload));
    const output = memoryOutput();
    const code = await main(['run', '--event', 'pull_request', '--payload', 'pr.json', '--dry-run', '--json'], { cwd: dir, env: {}, output });
    expect(code).toBe(0);
    const plan = JSON.parse(output.stdout.join('\n'));
    expect(plan.steps.map((s: { stage: string }) => s.stage)).toEqual(['gate', 'build']);
    expect(plan.pullRequest).toBe(2);
  });

  it('refuses a command from a non-collaborator, answering through the API, exit 1', async () => {
    const payload = webhookExample('issue_comment', 'created');
    payload.comment.body = '/shardship abort';
    writeFileSync(join(dir, 'comment.json'), JSON.stringify(payload));
    const output = memoryOutput();
    const code = await main(['run', '--event', 'issue_comment', '--payload', 'comment.json', '--json'], {
      cwd: dir,
      env: { GITHUB_TOKEN: 'ghp_clirunsecret0001', GITHUB_API_URL: server.url },
      output,
    });
    expect(code).toBe(1);
    expect(server.violations).toEqual([]);
    expect(server.state.comments.at(-1)!.body).toContain('refused');
    expect(JSON.parse(output.stdout.join('\n')).outputs['command-result']).toBe('refused');
  });

  it('without a token sends nothing and says the command cannot be checked', async () => {
    const output = memoryOutput();
    const before = server.requests.length;
    const code = await main(['run', '--event', 'issue_comment', '--payload', 'comment.json', '--token-env', 'NOPE'], { cwd: dir, env: {}, output });
    expect(code).toBe(1);
    expect(server.requests.length).toBe(before);
    expect(output.stderr.join('\n')).toContain('no GitHub token to check with');
  });

  it('a topology error in the pipeline\'s migrate step names shardship.yaml:line, as `migrate plan` does', async () => {
    const bad = tempDir('cli-run-topology');
    try {
      writeFileSync(
        join(bad, 'shardship.yaml'),
        [
          'version: 1',
          'environments:',
          '  staging: { branch: main }',
          'migrate:',
          '  environments:',
          '    staging:',
          '      nodes: { n1: { dsnEnv: N1_DSN } }',
          '      databases:',
          '        loan_0: n1',
          '        loan_1: n9',
          '      tables: { t: { kind: broadcast } }',
          '',
        ].join('\n'),
      );
      const payload = webhookExample('pull_request', 'opened');
      writeFileSync(join(bad, 'pr.json'), JSON.stringify(payload));
      const output = memoryOutput();
      const code = await main(['run', '--event', 'pull_request', '--payload', 'pr.json', '--json'], { cwd: bad, env: {}, output });
      expect(code).toBe(2);
      const notes: string[] = JSON.parse(output.stdout.join('\n')).notes;
      expect(notes.find((n) => n.startsWith('migrate failed:'))).toContain('shardship.yaml:10:');
    } finally {
      removeDir(bad);
    }
  }, 60_000);

  it('a usage error for an unknown event exits 2', async () => {
    const output = memoryOutput();
    expect(await main(['run', '--event', 'deployment', '--payload', 'pr.json'], { cwd: dir, env: {}, output })).toBe(2);
  });
});

describe('shardResults (migration matrix cells from an apply report)', () => {
  it('maps migrations run, skipped and a database that stopped', () => {
    const target = { node: 'n1', database: 'loan_0' };
    const base = { wave: 0, statementsRun: 0, lockRetries: 0, algorithms: {}, durationMs: 1 };
    expect(
      shardResults({ ...base, target, outcome: 'failed', error: 'boom', migrations: [{ version: '1', action: 'applied', statementsRun: 1, statementsAlreadyApplied: 0, durationMs: 1 }] }, ['1', '2']),
    ).toEqual([
      { node: 'n1', database: 'loan_0', version: '1', status: 'applied' },
      { node: 'n1', database: 'loan_0', version: '2', status: 'failed', error: 'boom' },
    ]);
    expect(shardResults({ ...base, target, outcome: 'up-to-date', migrations: [] }, ['1'])).toEqual([{ node: 'n1', database: 'loan_0', version: '1', status: 'skipped' }]);
  });
});
