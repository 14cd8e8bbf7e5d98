// `shardship backup create|list|verify|restore` end to end on real MariaDB nodes (2 nodes x 2
// databases x 4 t_order shards + t_config), through the CLI, with mydumper/myloader doing the work.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';
import { rootQuery } from '../../support/mariadb.js';
import { topologyYaml } from '../../support/shards.js';
import { useShardFixture } from '../migrate/exec-fixture.js';

const f = useShardFixture({ restartStopped: true });
let cwd: string;

const yaml = (tables: NonNullable<Parameters<typeof topologyYaml>[0]>['tables'] = ['t_order', 't_config']) =>
  topologyYaml({ environment: 'test', tables }) + ['backup:', '  directory: backups', '  lockTimeout: 2s', '  concurrency: 4', ''].join('\n');

async function cli(args: string[]) {
  const output = memoryOutput();
  const code = await main(args, { cwd, env: { ...f.env, CI: '1' }, output });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

async function create(extra: string[] = []) {
  const r = await cli(['backup', 'create', '--json', ...extra]);
  return { ...r, run: r.stdout ? JSON.parse(r.stdout) : undefined };
}

const password = () => new URL(f.env.SHARD_N1_DSN!).password;
const count = async (node: number, sql: string) => Number(((await rootQuery(f.nodes[node]!, sql)) as { n: number }[])[0]!.n);

beforeAll(() => {
  cwd = tempDir('backup-cli');
  mkdirSync(join(cwd, 'migrations'));
});
beforeEach(() => {
  writeFileSync(join(cwd, 'shardship.yaml'), yaml());
  removeDir(join(cwd, 'backups'));
});
afterAll(() => {
  if (cwd) removeDir(cwd);
});

describe('backup create + verify + restore', () => {
  it('backs up every database with a manifest written last, verifies it, and restores lost data', async () => {
    const { code, run, stderr } = await create();
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(run.ok).toBe(true);
    expect(run.databases.map((d: { target: { database: string } }) => d.target.database).sort()).toEqual(['loan_0', 'loan_1', 'loan_2', 'loan_3']);
    // CI: one line per database.
    expect(stderr.split('\n').filter((l) => /^n[12]\/loan_\d\s+done/.test(l))).toHaveLength(4);
    const dir = join(cwd, 'backups', run.id);
    const manifestText = readFileSync(join(dir, 'MANIFEST.json'), 'utf8');
    expect(manifestText).not.toContain(password());
    expect(`${stderr}${JSON.stringify(run)}`).not.toContain(password());
    expect(manifestText).not.toContain('SHARD_N1_DSN');
    const manifest = JSON.parse(manifestText);
    expect(manifest.topologyDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(manifest.tools)).toEqual(['mydumper', 'myloader']);
    const loan3 = manifest.databases.find((d: { database: string }) => d.database === 'loan_3');
    expect(loan3.node).toBe('n2');
    expect(loan3.tables.t_order_2).toEqual({ rows: 20, checksum: expect.stringMatching(/^\d+$/) });
    expect(loan3.tables.t_config.rows).toBe(0);
    // Layout <dir>/<id>/<node>/<database>/..., every file listed with its hash.
    expect(existsSync(join(dir, 'n2', 'loan_3', 'loan_3.t_order_2.sql'))).toBe(true);
    for (const file of loan3.files) expect(existsSync(join(dir, file.path))).toBe(true);
    const checksum = ((await rootQuery(f.nodes[1]!, 'CHECKSUM TABLE loan_3.t_order_2')) as { Checksum: number }[])[0]!.Checksum;
    expect(loan3.tables.t_order_2.checksum).toBe(String(checksum));

    const listed = await cli(['backup', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject({ schemaVersion: 1, backups: [{ id: run.id, complete: true, databases: 4 }] });

    const verified = await cli(['backup', 'verify', run.id, '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout).databases.every((d: { ok: boolean }) => d.ok)).toBe(true);
    // The scratch databases are gone.
    expect(await count(0, "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '%verify%'")).toBe(0);

    // Disaster on one database: a table dropped and rows deleted in another.
    await rootQuery(f.nodes[1]!, 'DROP TABLE loan_3.t_order_2; DELETE FROM loan_3.t_order_1 WHERE id > 5');
    const restored = await cli(['backup', 'restore', run.id, '--databases', 'loan_3', '--replace', '--json']);
    expect(restored.stderr).not.toMatch(/error/i);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout).databases).toEqual([expect.objectContaining({ outcome: 'restored', target: { node: 'n2', database: 'loan_3' } })]);
    expect(await count(1, 'SELECT COUNT(*) AS n FROM loan_3.t_order_2')).toBe(20);
    expect(await count(1, 'SELECT COUNT(*) AS n FROM loan_3.t_order_1')).toBe(20);
    const history = (await rootQuery(f.nodes[1]!, 'SELECT action, source, ok FROM loan_3.shardship_backup_history')) as { action: string; source: string; ok: number }[];
    expect(history).toEqual([{ action: 'restore', source: run.id, ok: 1 }]);
  });

  it('refuses to restore over a database with data unless --replace, and then restores only the tables asked for', async () => {
    const { run } = await create();
    await rootQuery(f.nodes[0]!, 'INSERT INTO loan_0.t_order_0 VALUES (1000, 1, 1.00); INSERT INTO loan_0.t_order_1 VALUES (1000, 1, 1.00)');
    const refused = await cli(['backup', 'restore', run.id, '--databases', 'loan_0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the target holds data; nothing was restored: n1\/loan_0\.t_order_0/);
    expect(refused.stderr).toContain('--replace');
    expect(await count(0, 'SELECT COUNT(*) AS n FROM loan_0.t_order_0')).toBe(21);

    const one = await cli(['backup', 'restore', run.id, '--databases', 'loan_0', '--tables', 't_order_0', '--replace']);
    expect(one.code).toBe(0);
    expect(await count(0, 'SELECT COUNT(*) AS n FROM loan_0.t_order_0')).toBe(20);
    // Not asked for: left as it was.
    expect(await count(0, 'SELECT COUNT(*) AS n FROM loan_0.t_order_1')).toBe(21);
  });

  it('refuses a corrupted or truncated file before touching the target, naming the file', async () => {
    const { run } = await create();
    const dir = join(cwd, 'backups', run.id);
    const file = join(dir, 'n1', 'loan_1', 'loan_1.t_order_3.sql');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('(1,', '(9,'));
    await rootQuery(f.nodes[0]!, 'DELETE FROM loan_1.t_order_0');
    const corrupted = await cli(['backup', 'restore', run.id, '--replace']);
    expect(corrupted.code).toBe(1);
    expect(corrupted.stderr).toContain(`${file}: sha256 differs from the manifest (corrupted)`);
    expect(corrupted.stderr).toContain('nothing was restored');
    expect(await count(0, 'SELECT COUNT(*) AS n FROM loan_1.t_order_0')).toBe(0);

    writeFileSync(file, text);
    truncateSync(join(dir, 'n2', 'loan_2', 'loan_2.t_order_0.sql'), 10);
    const truncated = await cli(['backup', 'restore', run.id, '--replace']);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/loan_2\.t_order_0\.sql: 10 bytes, the manifest says \d+ \(truncated\?\)/);
    expect(await count(0, 'SELECT COUNT(*) AS n FROM loan_1.t_order_0')).toBe(0);
    const verified = await cli(['backup', 'verify', run.id]);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toContain('loan_2.t_order_0.sql');
  });

  it('says what differs when the topology changed since the backup', async () => {
    const { run } = await create();
    writeFileSync(join(cwd, 'shardship.yaml'), yaml(['t_order', 't_config', 't_order_item']));
    const r = await cli(['backup', 'restore', run.id, '--replace']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the topology of test changed since backup');
    expect(r.stderr).toContain('logical table t_order_item was added since the backup');
    expect(r.stderr).toContain('--accept-topology-change');
  });

  it('restores one shard while the others keep serving', async () => {
    const { run } = await create();
    const conn = await createConnection({ host: '127.0.0.1', port: f.nodes[0]!.port, user: 'root', database: 'loan_0' });
    let writes = 0;
    const errors: string[] = [];
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        try {
          await conn.query('INSERT INTO t_order_0 VALUES (?, 1, 1.00)', [5000 + writes]);
          await conn.query('SELECT COUNT(*) FROM t_order_1');
          writes++;
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    })();
    try {
      const r = await cli(['backup', 'restore', run.id, '--databases', 'loan_1', '--replace']);
      expect(r.code).toBe(0);
    } finally {
      stop = true;
      await traffic;
      await conn.end();
    }
    expect(errors).toEqual([]);
    expect(writes).toBeGreaterThan(0);
    expect(await count(0, 'SELECT COUNT(*) AS n FROM loan_0.t_order_0')).toBe(20 + writes);
  });
});

describe('backup create faults', () => {
  it('a node killed mid-backup: the others finish, no manifest, exit 1 naming the missing databases; --resume takes only those', async () => {
    // Enough rows that n2's dumps are still running when it dies.
    for (const db of ['loan_2', 'loan_3']) await rootQuery(f.nodes[1]!, `INSERT INTO ${db}.t_order_0 SELECT seq, seq % 97, seq FROM seq_100_to_300000`, [], db);
    const output = memoryOutput();
    const killer = setInterval(() => {
      if (output.stderr.some((l) => /^n1\/loan_\d\s+done/.test(l))) {
        clearInterval(killer);
        void f.nodes[1]!.stop('SIGKILL');
      }
    }, 5);
    const code = await main(['backup', 'create', '--json'], { cwd, env: { ...f.env, CI: '1' }, output });
    clearInterval(killer);
    const run = JSON.parse(output.stdout.join('\n'));
    expect(code).toBe(1);
    expect(run.ok).toBe(false);
    expect(run.missing.sort()).toEqual(['n2/loan_2', 'n2/loan_3']);
    expect(run.databases.filter((d: { outcome: string }) => d.outcome === 'done').map((d: { target: { database: string } }) => d.target.database).sort()).toEqual(['loan_0', 'loan_1']);
    const dir = join(cwd, 'backups', run.id);
    expect(existsSync(join(dir, 'MANIFEST.json'))).toBe(false);
    const text = await cli(['backup', 'list']);
    expect(text.stdout).toContain(`${run.id}  INCOMPLETE`);
    const verify = await cli(['backup', 'verify', run.id]);
    expect(verify.code).toBe(2);
    expect(verify.stderr).toContain('incomplete');

    await f.nodes[1]!.start();
    const resumed = await create(['--resume', run.id]);
    expect(resumed.code).toBe(0);
    const outcomes = Object.fromEntries(resumed.run.databases.map((d: { target: { database: string }; outcome: string }) => [d.target.database, d.outcome]));
    expect(outcomes).toEqual({ loan_0: 'kept', loan_1: 'kept', loan_2: 'done', loan_3: 'done' });
    const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8'));
    expect(manifest.databases.find((d: { database: string }) => d.database === 'loan_2').tables.t_order_0.rows).toBe(299_921);
  });

  it('an unwritable or full target directory fails clearly, before any dump', async () => {
    const ro = join(cwd, 'readonly');
    mkdirSync(ro, { recursive: true });
    execFileSync('chattr', ['+i', ro]);
    try {
      const r = await cli(['backup', 'create', '--to', ro]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot write to ${ro}: EPERM`);
    } finally {
      execFileSync('chattr', ['-i', ro]);
    }
    await rootQuery(f.nodes[0]!, 'INSERT INTO loan_0.t_order_0 SELECT seq, seq % 97, seq FROM seq_100_to_50000', [], 'loan_0');
    const small = join(cwd, 'small');
    mkdirSync(small, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', small]);
    try {
      const r = await cli(['backup', 'create', '--to', small]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${small} has [\\d.]+ KiB free; the databases hold about [\\d.]+ (KiB|MiB) of data`));
      expect(readdirSync(small)).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('waits on a running migration and fails clearly when it does not finish in time', async () => {
    // The lock `migrate apply` holds on a database for the whole of its migrations.
    const holder = await createConnection({ host: '127.0.0.1', port: f.nodes[0]!.port, user: 'root' });
    await holder.query("SELECT GET_LOCK('shardship:loan_1', 0)");
    try {
      const { code, run } = await create();
      expect(code).toBe(1);
      const loan1 = run.databases.find((d: { target: { database: string } }) => d.target.database === 'loan_1');
      expect(loan1.outcome).toBe('locked');
      expect(loan1.error).toMatch(/backup waited 2s for the migration lock: loan_1 is locked by .*Another `migrate apply` is running/);
      expect(run.missing).toEqual(['n1/loan_1']);
    } finally {
      await holder.end();
    }
  });

  it('a concurrent migrate apply: each database is backed up wholly before or wholly after its migration', async () => {
    writeFileSync(join(cwd, 'shardship.yaml'), yaml().replace('lockTimeout: 2s', 'lockTimeout: 60s'));
    writeFileSync(join(cwd, 'migrations', 'V1__note.sql'), 'ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL;\n');
    try {
      const [applied, backedUp] = await Promise.all([cli(['migrate', 'apply']), create()]);
      expect(applied.code).toBe(0);
      expect(backedUp.code).toBe(0);
      const dir = join(cwd, 'backups', backedUp.run.id);
      const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8'));
      for (const d of manifest.databases) {
        const withNote = [0, 1, 2, 3].filter((k) => readFileSync(join(dir, d.node, d.database, `${d.database}.t_order_${k}-schema.sql`), 'utf8').includes('`note`'));
        // Never half a migration: all four shards changed and the history says V1, or none and no V1.
        if (d.migrationVersion === '1') expect(withNote).toEqual([0, 1, 2, 3]);
        else expect([d.migrationVersion, withNote]).toEqual([null, []]);
      }
    } finally {
      rmSync(join(cwd, 'migrations', 'V1__note.sql'));
    }
  });

  it('prune keeps the newest backups and deletes the rest', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create(['--tables', 't_config'])).run.id);
    expect(new Set(ids).size).toBe(3);
    const dry = await cli(['backup', 'prune', '--keep', '1', '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout).remove.map((r: { id: string }) => r.id).sort()).toEqual(ids.slice(0, 2).sort());
    expect(readdirSync(join(cwd, 'backups')).sort()).toEqual([...ids].sort());
    const pruned = await cli(['backup', 'prune', '--keep', '1']);
    expect(pruned.code).toBe(0);
    expect(readdirSync(join(cwd, 'backups'))).toEqual([ids[2]]);
    // A partial backup takes only the named tables, and restores them.
    const manifest = JSON.parse(readFileSync(join(cwd, 'backups', ids[2]!, 'MANIFEST.json'), 'utf8'));
    expect(manifest.logicalTables).toEqual(['t_config']);
    expect(manifest.databases.map((d: { tables: object }) => Object.keys(d.tables))).toEqual([['t_config'], ['t_config'], ['t_config'], ['t_config']]);
  });

  it('--physical takes mariadb-backup of each node, and verify checks its files', async () => {
    const { code, run, stderr } = await create(['--physical']);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const dir = join(cwd, 'backups', run.id);
    const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8'));
    expect(manifest.kind).toBe('physical');
    expect(manifest.nodes.map((n: { node: string }) => n.node).sort()).toEqual(['n1', 'n2']);
    expect(existsSync(join(dir, 'n1', '_node', 'loan_0', 't_order_0.ibd'))).toBe(true);
    expect(JSON.stringify(manifest)).not.toContain(password());
    expect((await cli(['backup', 'verify', run.id])).code).toBe(0);
    const restore = await cli(['backup', 'restore', run.id]);
    expect(restore.code).toBe(2);
    expect(restore.stderr).toContain('--copy-back');
  });
});
