import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import type { MigrationPlan } from '../../../pipeline/migrate/plan-types.js';
import { removeTempProjects, tempProject } from './helpers.js';

afterAll(removeTempProjects);

const GOOD = {
  'V1__init.sql': 'CREATE TABLE t_order (id BIGINT NOT NULL, user_id BIGINT NOT NULL, PRIMARY KEY (id, user_id)) DEFAULT CHARSET=utf8mb4;\n',
  'V2__note.sql': "ALTER TABLE t_order ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT '', ALGORITHM=INSTANT;\n",
};

async function run(cwd: string, ...argv: string[]) {
  const output = memoryOutput();
  const code = await main(argv, { cwd, output, env: {} });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

describe('shardship migrate (planning commands)', () => {
  it('plan prints node -> database -> statements and exits 0 without lint errors', async () => {
    const cwd = await tempProject(GOOD);
    const r = await run(cwd, 'migrate', 'plan', '--offline', '--env', 'prod');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Migration plan for prod: 2 pending migration(s), 32 physical statement(s) in 4/4 database(s) on 2 node(s)');
    expect(r.stdout).toMatch(/node n2 {2}16 statement\(s\)\n {2}loan_2 {2}8 statement\(s\)\n {4}V1 init {2}4 statement\(s\)/);
    expect(r.stdout).toContain('No lint findings.');
  });

  it('plan --json prints the MigrationPlan; --markdown a PR comment', async () => {
    const cwd = await tempProject(GOOD);
    const j = await run(cwd, 'migrate', 'plan', '--offline', '--env', 'prod', '--json');
    const plan = JSON.parse(j.stdout) as MigrationPlan;
    expect(plan.databases).toHaveLength(4);
    expect(plan.databases[1]!.migrations[1]!.statements[3]!.sql).toBe("ALTER TABLE t_order_3 ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT '', ALGORITHM=INSTANT");
    const md = await run(cwd, 'migrate', 'plan', '--offline', '--env', 'prod', '--markdown');
    expect(md.stdout).toMatch(/^### shardship migrate plan · `prod`/);
    expect(md.stdout).toContain('<details>');
  });

  it('plan stops with exit 2 and file:line on an unknown table', async () => {
    const cwd = await tempProject({ ...GOOD, 'V3__oops.sql': '\n\nALTER TABLE t_orders ADD COLUMN x INT;\n' });
    const r = await run(cwd, 'migrate', 'plan', '--offline', '--env', 'prod');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('migrations/V3__oops.sql:3:1: statement 1: table "t_orders" is not in the topology of environment "prod"');
    expect(r.stdout).toBe('');
  });

  it('lint prints file:line rule message and exits 1 on errors', async () => {
    const cwd = await tempProject({ ...GOOD, 'V3__drop.sql': '-- cleanup\nALTER TABLE t_order DROP COLUMN note, ALGORITHM=INPLACE, LOCK=NONE;\n' });
    const r = await run(cwd, 'migrate', 'lint');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('migrations/V3__drop.sql:2 error sql/destructive-drop DROP COLUMN note on t_order destroys data');
    expect(r.stdout).toContain('3 migration(s), 1 error(s), 0 warning(s)');
    const clean = await run(await tempProject(GOOD), 'migrate', 'lint', '--json');
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual({ schemaVersion: 1, files: 2, findings: [] });
  });

  it('import-shardingsphere prints topology YAML without credentials', async () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'config-sharding.yaml');
    const r = await run(import.meta.dirname, 'migrate', 'import-shardingsphere', fixture, '--env', 'prod');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('        t_order:\n          kind: sharded\n          actualDataNodes: loan_ds_${0..3}.t_order_${0..7}\n          tableStrategy:\n            shardingColumn: user_id\n            algorithmExpression: t_order_${user_id % 8}');
    expect(r.stdout).toContain('      defaultDatabaseStrategy:\n        shardingColumn: user_id\n        algorithmExpression: loan_ds_${user_id % 4}');
    expect(r.stdout).not.toMatch(/s3cr3t|password/);
  });

  it('asks for --env when there are several environments', async () => {
    const yaml = (await import('./helpers.js')).SAMPLE_TOPOLOGY_YAML + '    staging:\n      nodes: {}\n      databases: {}\n      tables: {}\n';
    const cwd = await tempProject(GOOD, yaml);
    const r = await run(cwd, 'migrate', 'plan', '--offline');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('several environments (prod, staging): pass --env NAME');
  });
});
