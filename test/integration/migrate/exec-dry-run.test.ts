// `shardship migrate apply --dry-run` on real MariaDB nodes: it prints the per-database plan the
// real run would execute (run, resume, skip, refuse, waves) and changes nothing: no table, no
// history row, no history table in a fresh database, and not one write statement on any node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';
import { rootQuery, type ShardNode } from '../../support/mariadb.js';
import { topologyYaml } from '../../support/shards.js';
import { useShardFixture } from './exec-fixture.js';

const f = useShardFixture({ reset: 'once' });
let cwd: string;

async function cli(args: string[]) {
  const output = memoryOutput();
  const code = await main(args, { cwd, env: { ...f.env, CI: '1' }, output });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

const writeMigration = (name: string, sql: string) => writeFileSync(join(cwd, 'migrations', name), sql);

const WRITES = ['Com_alter_table', 'Com_create_table', 'Com_drop_table', 'Com_insert', 'Com_update', 'Com_delete', 'Com_replace', 'Com_create_index'];

/** Everything a run could change on a node: every column and index of the shard databases, every history row, and the global count of write statements. */
async function snapshot(node: ShardNode): Promise<unknown> {
  const schema = await rootQuery(
    node,
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA LIKE 'loan\\_%' ORDER BY 1, 2, ORDINAL_POSITION",
  );
  const indexes = await rootQuery(node, "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA LIKE 'loan\\_%' ORDER BY 1, 2, 3, SEQ_IN_INDEX");
  const history: unknown[] = [];
  for (const db of f.databases.filter((d) => d.node === node.name)) {
    const exists = (await rootQuery(node, 'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db.database, 'shardship_schema_history'])) as { n: number }[];
    if (Number(exists[0]!.n) > 0) history.push(await rootQuery(node, `SELECT * FROM ${db.database}.shardship_schema_history ORDER BY version`));
    else history.push(`${db.database}: no history table`);
  }
  const status = (await rootQuery(node, `SHOW GLOBAL STATUS WHERE Variable_name IN (${WRITES.map(() => '?').join(', ')})`, WRITES)) as { Variable_name: string; Value: string }[];
  return { schema, indexes, history, writes: Object.fromEntries(status.map((s) => [s.Variable_name, s.Value])) };
}

const snapshotAll = () => Promise.all(f.nodes.map(snapshot));

beforeAll(() => {
  cwd = tempDir('migrate-dry-run');
  mkdirSync(join(cwd, 'migrations'));
  writeFileSync(join(cwd, 'shardship.yaml'), topologyYaml({ environment: 'test', tables: ['t_order', 't_config'] }));
  writeMigration('V1__add_note.sql', 'ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL;\n');
});
afterAll(() => {
  if (cwd) removeDir(cwd);
});

describe('shardship migrate apply --dry-run', () => {
  it('on fresh databases: every database would run everything, in canary waves; nothing changes, not even a history table', async () => {
    const before = await snapshotAll();
    const dry = await cli(['migrate', 'apply', '--dry-run', '--canary', '1']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    const lines = dry.stdout.split('\n');
    expect(lines[0]).toBe('dry run of migrate apply on test: nothing was changed');
    expect(lines[1]).toBe('4 databases: 4 to apply (16 statements), 0 up to date, 0 refused, 0 unreadable, 0 skipped');
    expect(lines[2]).toBe('wave 1 (canary): loan_0');
    expect(lines[3]).toBe('wave 2: loan_2, loan_1, loan_3');
    expect(lines).toContain('  n2/loan_3  apply in wave 2: 4 statement(s)');
    expect(lines.filter((l) => l === '    V1 run 4 statement(s)')).toHaveLength(4);
    expect(await snapshotAll()).toEqual(before);
  });

  it('after a partial run: applied migrations skip, an interrupted one resumes, new ones run; --json is the versioned plan', async () => {
    expect((await cli(['migrate', 'apply'])).code).toBe(0);
    writeMigration('V2__config_owner.sql', 'ALTER TABLE t_config ADD COLUMN owner VARCHAR(64) NULL;\n');
    // loan_1's V1 as a runner killed after its first statement would leave it.
    await rootQuery(f.nodes[0]!, "UPDATE loan_1.shardship_schema_history SET state = 'running', statements_done = 1 WHERE version = '1'");
    const before = await snapshotAll();

    const dry = await cli(['migrate', 'apply', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.schemaVersion).toBe(1);
    expect(plan.environment).toBe('test');
    expect(plan.waves).toEqual([['loan_0', 'loan_2', 'loan_1', 'loan_3']]);
    const loan1 = plan.databases.find((d: { target: { database: string } }) => d.target.database === 'loan_1');
    expect(loan1).toMatchObject({ decision: 'apply', wave: 0, statementsToRun: 4 });
    expect(loan1.migrations).toEqual([
      { version: '1', file: 'migrations/V1__add_note.sql', statements: 4, action: 'resume', from: 1 },
      { version: '2', file: 'migrations/V2__config_owner.sql', statements: 1, action: 'run' },
    ]);
    const loan0 = plan.databases.find((d: { target: { database: string } }) => d.target.database === 'loan_0');
    expect(loan0.migrations.map((m: { action: string }) => m.action)).toEqual(['skip', 'run']);

    const text = await cli(['migrate', 'apply', '--dry-run']);
    expect(text.stdout).toContain('    V1 resume at statement 2 of 4 (checks whether it already took effect)');
    expect(text.stdout).toContain('    V1 applied: skip');
    expect(await snapshotAll()).toEqual(before);
    await rootQuery(f.nodes[0]!, "UPDATE loan_1.shardship_schema_history SET state = 'success', statements_done = 4 WHERE version = '1'");
  });

  it('an edited applied migration: the dry run shows the refusal and the stop, exits 1, and changes nothing', async () => {
    writeMigration('V1__add_note.sql', '-- edited after it was applied\nALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL;\n');
    const before = await snapshotAll();
    const dry = await cli(['migrate', 'apply', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('4 databases: 0 to apply (0 statements), 0 up to date, 4 refused, 0 unreadable, 0 skipped');
    expect(dry.stdout).toMatch(/n1\/loan_0 {2}refused: V1 was applied with checksum [0-9a-f]{12} but migrations\/V1__add_note\.sql now has/);
    expect(dry.stdout).toContain('would stop: an applied migration changed (checksum mismatch): nothing was applied');
    expect(await snapshotAll()).toEqual(before);
  });
});
