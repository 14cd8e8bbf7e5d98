// Correctness of the migrate stage on real MariaDB nodes, through the CLI: database-scoped
// constraint names, the after-check being `migrate verify`, errors that say what to do,
// statement text reaching the server unchanged, and DML going where its rows belong.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';
import { rootQuery } from '../../support/mariadb.js';
import { topologyYaml } from '../../support/shards.js';
import { useShardFixture } from './exec-fixture.js';

const f = useShardFixture();
let cwd: string;

const CONFIG = topologyYaml({ environment: 'test', migrate: ['lockWaitTimeout: 2s'], tables: ['t_order', 't_order_item', 't_config'] });

async function cli(args: string[], env: Record<string, string> = f.env) {
  const output = memoryOutput();
  const code = await main(args, { cwd, env: { ...env, CI: '1' }, output });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

function writeMigration(name: string, sql: string) {
  writeFileSync(join(cwd, 'migrations', name), sql);
}

const ITEM_TABLE = 'CREATE TABLE t_order_item (\n  id BIGINT NOT NULL PRIMARY KEY,\n  order_id BIGINT NOT NULL,\n  user_id BIGINT NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n';

beforeEach(() => {
  cwd = tempDir('migrate-correctness');
  mkdirSync(join(cwd, 'migrations'));
  writeFileSync(join(cwd, 'shardship.yaml'), CONFIG);
});
afterEach(() => {
  if (cwd) removeDir(cwd);
});

async function constraintsOf(node: (typeof f.nodes)[number], database: string, table: string) {
  return (await rootQuery(
    node,
    'SELECT CONSTRAINT_NAME AS name, CONSTRAINT_TYPE AS type FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_TYPE <> ? ORDER BY CONSTRAINT_NAME',
    [database, table, 'PRIMARY KEY'],
  )) as { name: string; type: string }[];
}

describe('database-scoped constraint names', () => {
  it('a named foreign key and CHECK on a sharded table get one name per physical table; verify sees no drift; DROP finds them', async () => {
    // Adding a checked FOREIGN KEY or CHECK copies the table on MariaDB.
    writeFileSync(join(cwd, 'shardship.yaml'), CONFIG.replace('  lockWaitTimeout: 2s', '  lockWaitTimeout: 2s\n  allowCopyAlter: true'));
    writeMigration('V1__order_item.sql', ITEM_TABLE);
    writeMigration(
      'V2__fk.sql',
      'ALTER TABLE t_order_item ADD CONSTRAINT fk_item_order FOREIGN KEY (order_id) REFERENCES t_order (id);\nALTER TABLE t_order ADD CONSTRAINT chk_amount CHECK (amount >= 0);\n',
    );
    const applied = await cli(['migrate', 'apply']);
    expect(applied.stdout + applied.stderr, applied.stdout).not.toMatch(/errno: 121|Duplicate key/);
    expect(applied.code, applied.stdout).toBe(0);
    for (const db of f.databases) {
      const node = f.nodes.find((n) => n.name === db.node)!;
      for (let k = 0; k < 4; k++) {
        expect(await constraintsOf(node, db.database, `t_order_item_${k}`)).toEqual([{ name: `fk_item_order__t_order_item_${k}`, type: 'FOREIGN KEY' }]);
        expect(await constraintsOf(node, db.database, `t_order_${k}`)).toEqual([{ name: `chk_amount__t_order_${k}`, type: 'CHECK' }]);
        // Paired by index: copy k references copy k.
        const refs = (await rootQuery(node, 'SELECT REFERENCED_TABLE_NAME AS r FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?', [db.database, `t_order_item_${k}`])) as { r: string }[];
        expect(refs).toEqual([{ r: `t_order_${k}` }]);
      }
    }
    const verify = await cli(['migrate', 'verify']);
    expect(verify.stdout).toContain('no drift');
    expect(verify.code, verify.stdout).toBe(0);

    writeMigration('V3__drop_fk.sql', 'ALTER TABLE t_order_item DROP FOREIGN KEY fk_item_order;\nALTER TABLE t_order DROP CONSTRAINT chk_amount;\n');
    const dropped = await cli(['migrate', 'apply']);
    expect(dropped.code, dropped.stdout).toBe(0);
    expect(await constraintsOf(f.nodes[1]!, 'loan_3', 't_order_item_2')).toEqual([]);
    expect(await constraintsOf(f.nodes[1]!, 'loan_3', 't_order_2')).toEqual([]);
  });
});

describe('the after-check inside apply', () => {
  it('is migrate verify: a database that failed half-way is drift in both, and the diff shows only the real difference', async () => {
    writeMigration('V1__order_item.sql', ITEM_TABLE);
    expect((await cli(['migrate', 'apply'])).code).toBe(0);
    // A hand-made column on one copy makes loan_1 fail on its third statement, after two copies changed.
    await rootQuery(f.nodes[0]!, 'ALTER TABLE loan_1.t_order_item_2 ADD COLUMN note VARCHAR(64) NULL');
    writeMigration('V2__note.sql', '-- one note per item\nALTER TABLE t_order_item ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note);\n');
    const applied = await cli(['migrate', 'apply', '--json']);
    expect(applied.code).toBe(1);
    const run = JSON.parse(applied.stdout);
    const verify = await cli(['migrate', 'verify', '--json']);
    expect(verify.code).toBe(1);
    const report = JSON.parse(verify.stdout);
    const pick = (r: { tables: { logicalTable: string }[] }) => r.tables.find((t) => t.logicalTable === 't_order_item');
    // The error names the file:line, the physical table and the object MySQL complained about.
    expect(run.databases.find((d: { target: { database: string } }) => d.target.database === 'loan_1').error).toMatch(
      /^V2: statement 3 \(migrations\/V2__note\.sql:2, loan_1\.t_order_item_2, column note\): .*Duplicate column name 'note'/,
    );
    expect(run.verifyAfter.ok).toBe(false);
    expect(pick(run.verifyAfter)).toEqual(pick(report));
    expect(pick(report)).toMatchObject({ copies: 16 });

    const text = await cli(['migrate', 'apply']);
    expect(text.code).toBe(1);
    const textVerify = await cli(['migrate', 'verify']);
    const driftLines = (out: string) => out.split('\n').filter((l) => /^drift t_order_item|^ {2}n\d\/loan_\d\.t_order_item/.test(l));
    expect(driftLines(text.stdout.slice(text.stdout.indexOf('drift after apply:')))).toEqual(driftLines(textVerify.stdout));
    expect(driftLines(textVerify.stdout).join('\n')).not.toContain('PRIMARY KEY');
    expect(textVerify.stdout).toMatch(/n1\/loan_1\.t_order_item_3: - `note` varchar\(64\) DEFAULT NULL {2}- KEY `idx_note` \(`note`\)/);
  });
});

describe('errors that say what to do', () => {
  it('a duplicate index names the index; a physical shard name in a migration asks for the logical name', async () => {
    writeMigration('V1__order_item.sql', ITEM_TABLE);
    expect((await cli(['migrate', 'apply'])).code).toBe(0);
    await rootQuery(f.nodes[1]!, 'ALTER TABLE loan_3.t_order_item_1 ADD INDEX idx_user (user_id)');
    writeMigration('V2__idx.sql', '\n\nCREATE INDEX idx_user ON t_order_item (user_id);\n');
    const failed = await cli(['migrate', 'apply']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/n2\/loan_3 failed: V2: statement 2 \(migrations\/V2__idx\.sql:3, loan_3\.t_order_item_1, index idx_user\): .*Duplicate key name 'idx_user'/);

    writeMigration('V2__idx.sql', 'ALTER TABLE t_order_3 ADD COLUMN x INT NULL;\n');
    const physical = await cli(['migrate', 'apply']);
    expect(physical.code).toBe(2);
    expect(physical.stderr).toContain('migrations/V2__idx.sql:1');
    expect(physical.stderr).toMatch(/"t_order_3" is a physical table of "t_order": use the logical name t_order/);
    expect(physical.stderr).not.toContain('declare it');
  });
});

describe('statement text reaches the server unchanged', () => {
  // Literals, comments and identifiers holding /*, */, --, #, ; and quotes.
  const STATEMENTS = [
    "ALTER TABLE t_order ADD COLUMN pat VARCHAR(32) DEFAULT 'x/*y*/z' COMMENT 'glob: src/**/*.ts'",
    "ALTER TABLE t_order ADD COLUMN semi VARCHAR(16) NULL COMMENT 'a;b -- c'",
    "ALTER TABLE t_order ADD COLUMN hash VARCHAR(16) NULL DEFAULT '#1' COMMENT \"it's \\\"quoted\\\" # not a comment\"",
    'ALTER TABLE t_order ADD COLUMN `odd -- /* name` INT NULL COMMENT \'it\'\'s, (really) odd\'',
    "ALTER TABLE t_order /* a real comment; with ' a quote */ ADD COLUMN z VARCHAR(8) NULL DEFAULT '--' -- trailing comment 'x\n",
    "ALTER TABLE t_order ADD COLUMN bs VARCHAR(8) NULL DEFAULT 'a\\\\b' # hash comment */\n",
  ];

  it('what the server stores equals what the same statement stores when run by hand', async () => {
    writeMigration('V1__literals.sql', STATEMENTS.map((s) => s.trimEnd() + '\n;\n').join(''));
    const applied = await cli(['migrate', 'apply']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // The reference: each statement sent as written to a plain table on the same server.
    const node = f.nodes[0]!;
    await rootQuery(node, 'DROP DATABASE IF EXISTS ref; CREATE DATABASE ref; CREATE TABLE ref.t_order (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
    for (const sql of STATEMENTS) await rootQuery(node, sql, [], 'ref');
    const columnsOf = async (database: string, table: string) =>
      rootQuery(node, 'SELECT COLUMN_NAME, COLUMN_TYPE, COLUMN_DEFAULT, IS_NULLABLE, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [database, table]);
    const reference = await columnsOf('ref', 't_order');
    expect(reference).toContainEqual(expect.objectContaining({ COLUMN_NAME: 'pat', COLUMN_DEFAULT: "'x/*y*/z'", COLUMN_COMMENT: 'glob: src/**/*.ts' }));
    expect(reference).toContainEqual(expect.objectContaining({ COLUMN_NAME: 'semi', COLUMN_COMMENT: 'a;b -- c' }));
    expect(reference).toContainEqual(expect.objectContaining({ COLUMN_NAME: 'odd -- /* name', COLUMN_COMMENT: "it's, (really) odd" }));
    for (const db of ['loan_0', 'loan_1']) for (let k = 0; k < 4; k++) expect(await columnsOf(db, `t_order_${k}`)).toEqual(reference);
    await rootQuery(node, 'DROP DATABASE ref');
  });
});

describe('DML goes where its rows belong', () => {
  const rowsOf = async (where: string) => {
    const out: { at: string; id: number; user_id: number; amount: string }[] = [];
    for (const db of f.databases) {
      const node = f.nodes.find((n) => n.name === db.node)!;
      for (let k = 0; k < 4; k++) {
        for (const r of (await rootQuery(node, `SELECT id, user_id, amount FROM ${db.database}.t_order_${k} WHERE ${where} ORDER BY id`)) as { id: number; user_id: number; amount: string }[]) {
          out.push({ at: `${db.database}.t_order_${k}`, id: Number(r.id), user_id: Number(r.user_id), amount: String(r.amount) });
        }
      }
    }
    return out;
  };

  it('an INSERT puts each row on its one shard; UPDATE/DELETE by shard key touch only theirs; without a key they are refused unless marked', async () => {
    writeMigration('V1__seed.sql', "INSERT INTO t_order (id, user_id, amount) VALUES (1001, 42, 1.50), (1002, 43, 2.00), (1003, 42, 3.00);\nUPDATE t_order SET amount = 9 WHERE user_id = 42 AND id = 1003;\n");
    const applied = await cli(['migrate', 'apply']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // 42 % 4 = 2, (42 / 4) % 4 = 2; 43 % 4 = 3, (43 / 4) % 4 = 2
    expect(await rowsOf('id > 1000')).toEqual([
      { at: 'loan_2.t_order_2', id: 1001, user_id: 42, amount: '1.50' },
      { at: 'loan_2.t_order_2', id: 1003, user_id: 42, amount: '9.00' },
      { at: 'loan_3.t_order_2', id: 1002, user_id: 43, amount: '2.00' },
    ]);

    const before = await rowsOf('1 = 1');
    writeMigration('V2__cleanup.sql', 'DELETE FROM t_order WHERE amount > 5;\n');
    const refused = await cli(['migrate', 'apply']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/migrations\/V2__cleanup\.sql:1:1: statement 1: DELETE on sharded table t_order has no condition on its sharding column \(user_id\): it would run on every shard/);
    expect(refused.stderr).toContain('-- shardship: all-shards');
    expect(await rowsOf('1 = 1')).toEqual(before);

    writeMigration('V2__cleanup.sql', '-- shardship: all-shards\nDELETE FROM t_order WHERE amount > 5;\n');
    const marked = await cli(['migrate', 'apply']);
    expect(marked.code, marked.stdout + marked.stderr).toBe(0);
    expect(await rowsOf('amount > 5')).toEqual([]);
    expect((await rowsOf('id > 1000')).map((r) => r.id)).toEqual([1001, 1002]);
  });
});
