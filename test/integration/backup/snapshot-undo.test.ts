// The pre-migration snapshot (`migrate.snapshotBefore`) taken by `migrate apply` before a
// destructive statement, and `migrate undo` putting the tables and the history back, on real
// MariaDB nodes through the CLI.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';
import { rootQuery } from '../../support/mariadb.js';
import { columns, topologyYaml } from '../../support/shards.js';
import { useShardFixture } from '../migrate/exec-fixture.js';

const f = useShardFixture();
let cwd: string;

async function cli(args: string[]) {
  const output = memoryOutput();
  const code = await main(args, { cwd, env: { ...f.env, CI: '1' }, output });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

function setup(snapshotBefore?: string) {
  if (cwd) removeDir(cwd);
  cwd = tempDir('snapshot-undo');
  mkdirSync(join(cwd, 'migrations'));
  writeFileSync(join(cwd, 'shardship.yaml'), topologyYaml({ environment: 'test', tables: ['t_order', 't_config'], migrate: snapshotBefore ? [`snapshotBefore: ${snapshotBefore}`] : [] }));
  writeFileSync(join(cwd, 'migrations', 'V1__note.sql'), 'ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL;\n');
  writeFileSync(join(cwd, 'migrations', 'V2__drop_note.sql'), '-- shardship-disable-next-line sql/destructive-drop\nALTER TABLE t_order DROP COLUMN note;\n');
}

const history = async (node: number, db: string) => ((await rootQuery(f.nodes[node]!, `SELECT version FROM ${db}.shardship_schema_history ORDER BY version`)) as { version: string }[]).map((r) => r.version);

beforeEach(() => setup());
afterAll(() => {
  if (cwd) removeDir(cwd);
});

describe('pre-migration snapshot and migrate undo', () => {
  it('snapshots exactly the tables a destructive statement touches, and undo puts them and the history back everywhere', async () => {
    rmSync(join(cwd, 'migrations', 'V2__drop_note.sql'));
    expect((await cli(['migrate', 'apply'])).code).toBe(0);
    await rootQuery(f.nodes[1]!, "UPDATE loan_3.t_order_2 SET note = CONCAT('n', id)");
    setup();
    const applied = await cli(['migrate', 'apply', '--json']);
    expect(applied.code).toBe(0);
    expect(await columns(f.nodes[1]!, 'loan_3', 't_order_2')).not.toContain('note');
    // V1 added a column (not destructive): no snapshot; V2 dropped one: every t_order shard.
    const snaps = (await rootQuery(f.nodes[1]!, 'SELECT version, physical_table, rows_copied FROM loan_3.shardship_snapshots ORDER BY physical_table')) as { version: string; physical_table: string; rows_copied: number }[];
    expect(snaps.map((s) => [s.version, s.physical_table, Number(s.rows_copied)])).toEqual([0, 1, 2, 3].map((k) => ['2', `t_order_${k}`, 20]));

    const undo = await cli(['migrate', 'undo', '2', '--json']);
    expect(undo.stderr).not.toMatch(/error/i);
    expect(undo.code).toBe(0);
    expect(JSON.parse(undo.stdout).databases.map((d: { outcome: string }) => d.outcome)).toEqual(['undone', 'undone', 'undone', 'undone']);
    expect(await columns(f.nodes[1]!, 'loan_3', 't_order_2')).toContain('note');
    expect((await rootQuery(f.nodes[1]!, 'SELECT note FROM loan_3.t_order_2 WHERE id = 7')) as unknown[]).toEqual([{ note: 'n7' }]);
    for (const [node, db] of [[0, 'loan_0'], [1, 'loan_3']] as const) expect(await history(node, db)).toEqual(['1']);
    expect(await rootQuery(f.nodes[0]!, 'SELECT action, source FROM loan_0.shardship_backup_history')).toEqual([{ action: 'undo', source: 'snapshot V2' }]);
    expect(await rootQuery(f.nodes[0]!, "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'loan_0' AND TABLE_NAME LIKE '\\_shardship\\_snap%'")).toEqual([{ n: 0 }]);

    // V1 had no destructive statement: nothing to undo it from.
    const none = await cli(['migrate', 'undo', '1']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('cannot undo V1; nothing was changed');
    expect(none.stderr).toContain('loan_0: no snapshot of V1');
  });

  it('refuses when a later migration ran after it, naming it, and changes nothing', async () => {
    writeFileSync(join(cwd, 'migrations', 'V3__config.sql'), 'ALTER TABLE t_config ADD COLUMN owner VARCHAR(32) NULL;\n');
    expect((await cli(['migrate', 'apply'])).code).toBe(0);
    const r = await cli(['migrate', 'undo', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('loan_0: V3 ran after V2 and may depend on it: undo it first');
    expect(await history(0, 'loan_0')).toEqual(['1', '2', '3']);
    expect(await columns(f.nodes[0]!, 'loan_0', 't_order_0')).not.toContain('note');
  });

  it('takes no snapshot with snapshotBefore: never, and undo says so', async () => {
    setup('never');
    expect((await cli(['migrate', 'apply'])).code).toBe(0);
    const r = await cli(['migrate', 'undo', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no snapshot of V2');
    expect(await history(1, 'loan_2')).toEqual(['1', '2']);
  });

  it('undoes a migration of a single table: its database gets the table back, the others only lose the history row', async () => {
    writeFileSync(join(cwd, 'shardship.yaml'), topologyYaml({ environment: 'test', tables: ['t_order', 't_config', 't_audit'] }));
    // Without V2 no database but loan_0 ever gets a snapshot registry.
    rmSync(join(cwd, 'migrations', 'V2__drop_note.sql'));
    writeFileSync(join(cwd, 'migrations', 'V3__audit.sql'), 'CREATE TABLE t_audit (id BIGINT NOT NULL PRIMARY KEY) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n');
    expect((await cli(['migrate', 'apply'])).code).toBe(0);
    await rootQuery(f.nodes[0]!, 'INSERT INTO loan_0.t_audit VALUES (1), (2)');
    writeFileSync(join(cwd, 'migrations', 'V4__drop_audit.sql'), '-- shardship-disable-next-line sql/destructive-drop\nDROP TABLE t_audit;\n');
    expect((await cli(['migrate', 'apply'])).code).toBe(0);
    const undo = await cli(['migrate', 'undo', '4']);
    expect(undo.stderr).not.toContain('cannot undo');
    expect(undo.code).toBe(0);
    expect(await rootQuery(f.nodes[0]!, 'SELECT COUNT(*) AS n FROM loan_0.t_audit')).toEqual([{ n: 2 }]);
    for (const [node, db] of [[0, 'loan_0'], [0, 'loan_1'], [1, 'loan_3']] as const) expect(await history(node, db)).toEqual(['1', '3']);
  });
});
