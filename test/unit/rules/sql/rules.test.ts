import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTopology, lintMigrations, type LintTopology, type SqlFinding } from '../../../../pipeline/migrate/lint.js';
import { parseMigrationFile } from '../../../../pipeline/migrate/migration-files.js';
import { sqlLintRules, sqlRules } from '../../../../rules/sql/index.js';
import { sampleTopology } from '../../migrate/helpers.js';

const topology: LintTopology = { tables: {}, physicalNames: new Map() };
addTopology(topology, sampleTopology());

const BASE = `CREATE TABLE t_order (
  id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  note VARCHAR(64) NULL,
  qty INT NOT NULL DEFAULT 0,
  PRIMARY KEY (id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
`;

function lint(text: string, opts: { settings?: Record<string, 'error' | 'warn' | 'off'>; earlier?: string } = {}): SqlFinding[] {
  const files = [parseMigrationFile('migrations/V1__base.sql', Buffer.from(opts.earlier ?? BASE)), parseMigrationFile('migrations/V2__change.sql', Buffer.from(text))];
  return lintMigrations(files, { rules: sqlLintRules, topology, settings: opts.settings ?? {}, only: new Set(['migrations/V2__change.sql']) });
}

const ONLINE = ', ALGORITHM=INPLACE, LOCK=NONE';

// rule -> [bad migration, good migration]
const CASES: Record<string, [string, string]> = {
  'sql/destructive-drop': [`ALTER TABLE t_order DROP COLUMN note${ONLINE};`, `ALTER TABLE t_order ADD COLUMN memo VARCHAR(10) NULL${ONLINE};`],
  'sql/lossy-column-change': [`ALTER TABLE t_order MODIFY COLUMN note VARCHAR(16) NULL${ONLINE};`, `ALTER TABLE t_order MODIFY COLUMN note VARCHAR(128) NULL${ONLINE};`],
  'sql/not-null-without-default': [`ALTER TABLE t_order ADD COLUMN state VARCHAR(8) NOT NULL${ONLINE};`, `ALTER TABLE t_order ADD COLUMN state VARCHAR(8) NOT NULL DEFAULT 'new'${ONLINE};`],
  'sql/rename': [`ALTER TABLE t_order CHANGE COLUMN note memo VARCHAR(64) NULL${ONLINE};`, `ALTER TABLE t_order CHANGE COLUMN note note VARCHAR(64) NULL${ONLINE};`],
  'sql/missing-primary-key': [
    'CREATE TABLE t_region (id INT NOT NULL, name VARCHAR(10)) DEFAULT CHARSET=utf8mb4;',
    'CREATE TABLE t_region (id INT NOT NULL PRIMARY KEY, name VARCHAR(10)) DEFAULT CHARSET=utf8mb4;',
  ],
  'sql/foreign-key': [
    `ALTER TABLE t_order_item ADD CONSTRAINT fk FOREIGN KEY (order_id) REFERENCES t_order (id)${ONLINE};`,
    `ALTER TABLE t_order_item ADD INDEX idx_order (order_id)${ONLINE};`,
  ],
  'sql/auto-increment-sharded': [
    'CREATE TABLE t_order_item (id BIGINT NOT NULL AUTO_INCREMENT, user_id BIGINT NOT NULL, PRIMARY KEY (id)) DEFAULT CHARSET=utf8mb4;',
    'CREATE TABLE t_audit (id BIGINT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id)) DEFAULT CHARSET=utf8mb4;',
  ],
  'sql/unique-without-shard-key': [
    'CREATE UNIQUE INDEX uk_note ON t_order (note) ALGORITHM=INPLACE LOCK=NONE;',
    'CREATE UNIQUE INDEX uk_note ON t_order (user_id, note) ALGORITHM=INPLACE LOCK=NONE;',
  ],
  'sql/physical-shard-name': [`ALTER TABLE t_order ADD INDEX idx_q (qty)${ONLINE};\n-- oops\nALTER TABLE t_order_3 ADD COLUMN z INT NULL${ONLINE};`, `ALTER TABLE t_order ADD INDEX idx_q (qty)${ONLINE};`],
  'sql/multiple-alters': [
    `ALTER TABLE t_order ADD COLUMN a INT NULL${ONLINE};\nALTER TABLE t_order ADD COLUMN b INT NULL${ONLINE};`,
    `ALTER TABLE t_order ADD COLUMN a INT NULL, ADD COLUMN b INT NULL${ONLINE};`,
  ],
  'sql/mixed-ddl-dml': [
    `ALTER TABLE t_config ADD COLUMN c INT NULL${ONLINE};\nINSERT INTO t_config (k, v) VALUES ('a', 'b');`,
    "INSERT INTO t_config (k, v) VALUES ('a', 'b');\nUPDATE t_config SET v = 'c' WHERE k = 'a';",
  ],
  'sql/charset': [
    'CREATE TABLE t_region (id INT PRIMARY KEY, name VARCHAR(10) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4;',
    'CREATE TABLE t_region (id INT PRIMARY KEY, name VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin) DEFAULT CHARSET=utf8mb4;',
  ],
  'sql/online-ddl': ['ALTER TABLE t_order ADD COLUMN memo VARCHAR(10) NULL;', 'ALTER TABLE t_order ADD COLUMN memo VARCHAR(10) NULL, ALGORITHM=INSTANT;'],
};

describe('sql lint rules', () => {
  it('has a case for every rule, and every rule file is registered', () => {
    expect(Object.keys(CASES).sort()).toEqual(sqlLintRules.map((r) => r.id).sort());
    const dir = join(import.meta.dirname, '../../../../rules/sql');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'migration-lint.ts');
    expect(files.map((f) => `sql/${f.replace(/\.ts$/, '')}`).sort()).toEqual(sqlLintRules.map((r) => r.id).sort());
    expect(sqlRules.map((r) => r.id)).toEqual(['sql/migration-lint']);
  });

  for (const [id, [bad, good]] of Object.entries(CASES)) {
    it(`${id} fires on a bad migration and stays quiet on a good one`, () => {
      const fired = lint(bad).filter((f) => f.ruleId === id);
      expect(fired.length).toBeGreaterThan(0);
      expect(fired[0]!.file).toBe('migrations/V2__change.sql');
      const quiet = lint(good);
      expect(quiet.filter((f) => f.ruleId === id)).toEqual([]);
    });
  }

  it('is quiet on a clean migration overall', () => {
    expect(lint(`ALTER TABLE t_order ADD COLUMN memo VARCHAR(10) NULL, ADD INDEX idx_memo (memo)${ONLINE};`)).toEqual([]);
  });

  it('reports the line of the statement and a precise message', () => {
    const f = lint(`-- header\n\nALTER TABLE t_order MODIFY COLUMN qty TINYINT NOT NULL DEFAULT 0${ONLINE};`);
    expect(f).toEqual([{ ruleId: 'sql/lossy-column-change', severity: 'error', file: 'migrations/V2__change.sql', line: 3, message: 't_order.qty: INT -> TINYINT narrows the integer range' }]);
  });

  it('honours -- shardship-disable-next-line RULE (and only for that rule)', () => {
    const waived = lint(`-- shardship-disable-next-line sql/destructive-drop\nALTER TABLE t_order DROP COLUMN note;`);
    expect(waived.map((f) => f.ruleId)).toEqual(['sql/online-ddl']);
    const short = lint(`-- shardship-disable-next-line destructive-drop, online-ddl\nALTER TABLE t_order DROP COLUMN note;`);
    expect(short).toEqual([]);
    const all = lint(`-- shardship-disable-next-line\nALTER TABLE t_order DROP COLUMN note;`);
    expect(all).toEqual([]);
    const notAbove = lint(`-- shardship-disable-next-line sql/destructive-drop\n\nALTER TABLE t_order DROP COLUMN note${ONLINE};`);
    expect(notAbove.map((f) => f.ruleId)).toEqual(['sql/destructive-drop']);
  });

  it('takes severities from migrate.rules', () => {
    const bad = CASES['sql/destructive-drop']![0];
    expect(lint(bad, { settings: { 'sql/destructive-drop': 'warn' } })[0]!.severity).toBe('warn');
    expect(lint(bad, { settings: { 'destructive-drop': 'off' } })).toEqual([]);
  });

  it('reports unparseable statements and unknown tables as errors', () => {
    const f = lint('ALTER TABLE t_order FROBNICATE;\nALTER TABLE t_nope ADD COLUMN x INT NULL, ALGORITHM=INSTANT;');
    expect(f.map((x) => [x.ruleId, x.line])).toEqual([
      ['sql/syntax', 1],
      ['sql/unknown-table', 2],
    ]);
  });
});
