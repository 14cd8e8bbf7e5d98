// `shardship backup snapshots list|prune` on real MariaDB nodes: the snapshot tables that
// `migrate apply` leaves in every shard are listed with their size and dropped by retention,
// under the migration lock, and `migrate undo` of the kept version still works.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';
import { rootQuery } from '../../support/mariadb.js';
import { topologyYaml } from '../../support/shards.js';
import { useShardFixture } from '../migrate/exec-fixture.js';
import { createShardConnector } from '../../../pipeline/mysql/pool.js';
import { acquireDatabaseLock } from '../../../pipeline/migrate/locks.js';

const f = useShardFixture();
let cwd: string;

async function cli(args: string[]) {
  const output = memoryOutput();
  const code = await main(args, { cwd, env: { ...f.env, CI: '1' }, output });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

const snapTables = async (node: number, db: string) =>
  ((await rootQuery(f.nodes[node]!, `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME LIKE '\\_shardship\\_snap%'`)) as { t: string }[]).length;
const registry = async (node: number, db: string) => ((await rootQuery(f.nodes[node]!, `SELECT DISTINCT version FROM ${db}.shardship_snapshots ORDER BY version`)) as { version: string }[]).map((r) => r.version);

beforeEach(async () => {
  if (cwd) removeDir(cwd);
  cwd = tempDir('snapshot-retention');
  mkdirSync(join(cwd, 'migrations'));
  writeFileSync(join(cwd, 'shardship.yaml'), topologyYaml({ environment: 'test', tables: ['t_order', 't_config'], migrate: ['snapshotBefore: always'] }));
  writeFileSync(join(cwd, 'migrations', 'V1__note.sql'), 'ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL;\n');
  writeFileSync(join(cwd, 'migrations', 'V2__drop_note.sql'), '-- shardship-disable-next-line sql/destructive-drop\nALTER TABLE t_order DROP COLUMN note;\n');
  expect((await cli(['migrate', 'apply'])).code).toBe(0);
});
afterAll(() => {
  if (cwd) removeDir(cwd);
});

describe('backup snapshots', () => {
  it('lists every version with its tables and bytes, prunes all but the newest, and undo of the kept one still works', async () => {
    const listed = await cli(['backup', 'snapshots', 'list', '--json']);
    expect(listed.code).toBe(0);
    const listing = JSON.parse(listed.stdout) as { schemaVersion: number; versions: { version: string; databases: number; tables: number; rows: number; bytes: number }[] };
    expect(listing.schemaVersion).toBeGreaterThan(0);
    // 4 databases x 4 t_order shards, snapshotted before each of V1 and V2 (snapshotBefore: always).
    expect(listing.versions.map((v) => [v.version, v.databases, v.tables])).toEqual([['1', 4, 16], ['2', 4, 16]]);
    expect(listing.versions.every((v) => v.bytes > 0 && v.rows > 0)).toBe(true);
    expect(await snapTables(0, 'loan_0')).toBe(8);

    const dry = await cli(['backup', 'snapshots', 'prune', '--keep', '1', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, keep: ['2'], remove: [{ version: '1', reason: 'beyond the newest 1' }] });
    expect(await snapTables(0, 'loan_0')).toBe(8);

    const pruned = await cli(['backup', 'snapshots', 'prune', '--keep', '1']);
    expect(pruned.stderr).toBe('');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('dropped snapshots of V1 (beyond the newest 1)');
    for (const [node, db] of [[0, 'loan_0'], [0, 'loan_1'], [1, 'loan_2'], [1, 'loan_3']] as const) {
      expect(await snapTables(node, db)).toBe(4);
      expect(await registry(node, db)).toEqual(['2']);
    }
    const again = await cli(['backup', 'snapshots', 'prune', '--keep', '1', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ remove: [], ok: true });

    const undo = await cli(['migrate', 'undo', '2']);
    expect(undo.code).toBe(0);
    expect(await rootQuery(f.nodes[1]!, "SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'loan_3' AND TABLE_NAME = 't_order_2' AND COLUMN_NAME = 'note'")).toEqual([{ n: 1 }]);
  });

  it('keeps young snapshots by age, and refuses a database whose migration lock is held, dropping nothing there', async () => {
    const young = await cli(['backup', 'snapshots', 'prune', '--keep', '1h', '--json']);
    expect(JSON.parse(young.stdout)).toMatchObject({ keep: ['2', '1'], remove: [] });

    const connector = createShardConnector({ environment: 'test', nodes: f.topologyNodes, env: f.env, nodeConcurrency: 2 });
    const holder = await connector.connect({ node: 'n1', database: 'loan_1' });
    try {
      expect((await acquireDatabaseLock(holder, 1)).acquired).toBe(true);
      writeFileSync(join(cwd, 'shardship.yaml'), topologyYaml({ environment: 'test', tables: ['t_order', 't_config'], migrate: ['snapshotBefore: always'] }) + 'backup:\n  lockTimeout: 1s\n');
      const r = await cli(['backup', 'snapshots', 'prune', '--keep', '1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/n1\/loan_1: refused: .*lock/i);
      expect(await registry(0, 'loan_1')).toEqual(['1', '2']);
      expect(await registry(0, 'loan_0')).toEqual(['2']);
    } finally {
      await holder.close();
      await connector.end();
    }
  });

  it('rejects a bad --keep with a usage error (exit 2)', async () => {
    const bad = await cli(['backup', 'snapshots', 'prune', '--keep', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--keep takes an age like 7d or 12h, or a count like 10; got soon');
  });
});
