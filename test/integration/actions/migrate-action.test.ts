// Runner contract of the bundled migrate action against real MariaDB shard nodes: the sharded
// topology of test/support/shards.ts (2 nodes x 2 databases x 4 t_order shards + a broadcast
// t_config), DSNs with passwords in the step's environment, a real push payload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootQuery, startShardNodes, type ShardNodes } from '../../support/mariadb.js';
import { columns, fixture, resetSchema, SHARDS_PER_DB, topologyYaml, type Fixture } from '../../support/shards.js';
import { removeDir, tempDir } from '../../support/service.js';
import { startGitHubServer, type GitHubServer } from '../../support/github-server/index.js';
import { pushPayload, runBundledAction, secretLeaks } from './runner-contract.js';
import { GIT_ENV } from '../../unit/gate/git-fixture.js';

const TOKEN = 'ghs_migrateContractToken0123456789';
const DSN_PASSWORD = 'dsn-pw-Hq27vLx0';
let shards: ShardNodes;
let f: Fixture;
let server: GitHubServer;
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: GIT_ENV }).trim();
}


beforeAll(async () => {
  [shards, server] = await Promise.all([startShardNodes(2, { password: DSN_PASSWORD }), startGitHubServer()]);
  f = fixture(shards.nodes);
  await resetSchema(f, 5);
  repo = tempDir('migrate-action-repo');
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'shardship.yaml'), topologyYaml({ environment: 'staging', tables: ['t_order', 't_config'] }));
  mkdirSync(join(repo, 'migrations'));
  writeFileSync(join(repo, 'migrations', 'V1__add_note.sql'), 'ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL;\n');
  writeFileSync(join(repo, 'migrations', 'V2__config_owner.sql'), 'ALTER TABLE t_config ADD COLUMN owner VARCHAR(64) NULL;\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'feat: order notes');
}, 180_000);
afterAll(async () => {
  await Promise.all([shards?.stopAll(), server?.stop()]);
  if (repo) removeDir(repo);
});

const run = (apply: boolean) => {
  const after = git('rev-parse', 'HEAD');
  return runBundledAction('migrate', {
    event: 'push',
    payload: pushPayload({ before: '0'.repeat(40), after }),
    inputs: { token: TOKEN, config: 'shardship.yaml', 'working-directory': '.', environment: 'staging', apply: String(apply) },
    apiUrl: server.url,
    workspace: repo,
    sha: after,
    env: f.env,
  });
};

describe('migrate action (bundled) against real MariaDB shards', () => {
  it('applies on every physical shard of every database; outputs the summary; a rerun is a no-op; no DSN or password is printed', async () => {
    const planned = await run(false);
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    expect(planned.outputs['migration-summary']).toBe('2 migration(s) planned on 4 database(s) in staging');
    // A plan touches no database.
    expect(await columns(f.nodes[0]!, 'loan_0', 't_order_0')).not.toContain('note');

    const applied = await run(true);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.outputs['migration-summary']).toBe('2 migration(s) on 4 database(s) in staging: 8 applied, 0 skipped, 0 failed');
    expect(applied.outputs['exit-code']).toBe('0');
    // What landed: the column on every t_order shard and on t_config of every database, and the history.
    for (const { node, database } of f.databases) {
      const n = f.nodes.find((x) => x.name === node)!;
      for (let k = 0; k < SHARDS_PER_DB; k++) expect(await columns(n, database, `t_order_${k}`), `${database}.t_order_${k}`).toContain('note');
      expect(await columns(n, database, 't_config')).toContain('owner');
      const history = (await rootQuery(n, `SELECT version, state FROM ${database}.shardship_schema_history ORDER BY version`)) as { version: string; state: string }[];
      expect(history.map((h) => [h.version, h.state])).toEqual([['1', 'success'], ['2', 'success']]);
    }
    // The per-shard matrix: one row per physical database in the job summary and the check run.
    for (const { database } of f.databases) expect(applied.summary).toMatch(new RegExp(`\\| n\\d \\| ${database} \\|`));
    const check = server.state.checkRuns.filter((c) => c.name === 'shardship/migrate').at(-1)!;
    expect(check.conclusion).toBe('success');
    expect(check.output.title).toBe(applied.outputs['migration-summary']);

    const again = await run(true);
    expect(again.code).toBe(0);
    expect(again.outputs['migration-summary']).toBe('2 migration(s) on 4 database(s) in staging: 0 applied, 8 skipped, 0 failed');

    expect(server.violations).toEqual([]);
    for (const r of [planned, applied, again]) {
      expect(r.stdout).toContain(`::add-mask::${DSN_PASSWORD}`);
      expect(secretLeaks(r, [TOKEN, DSN_PASSWORD, ...f.nodes.map((n) => n.dsn)])).toEqual([]);
    }
  }, 300_000);
});
