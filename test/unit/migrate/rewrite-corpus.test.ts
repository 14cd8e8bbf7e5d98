// The rewrite on a corpus of real-world-style MySQL statements: every physical statement
// parses with node-sql-parser and differs from the original ONLY in table-name tokens
// (compared token by token: strings, comments, spacing and columns are untouched).
import { describe, expect, it } from 'vitest';
import { analyzeStatement, routeStatement } from '../../../pipeline/migrate/rewrite.js';
import { parseMySql } from '../../../pipeline/migrate/sql-parser.js';
import { physicalObjectName } from '../../../pipeline/migrate/object-names.js';
import { tokenize } from '../../../pipeline/migrate/sql-tokens.js';
import { sampleTopology } from './helpers.js';

const CORPUS: string[] = [
  // CREATE TABLE
  `CREATE TABLE t_order (
  id BIGINT NOT NULL COMMENT 'snowflake id',
  user_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'NEW',
  amount DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, user_id),
  KEY idx_user (user_id),
  KEY idx_status_created (status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='orders; see t_order docs'`,
  'CREATE TABLE IF NOT EXISTS `t_order` (`id` BIGINT NOT NULL, `user_id` BIGINT NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB',
  `CREATE TABLE t_order_item (
  id BIGINT NOT NULL,
  order_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  sku VARCHAR(64) NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_item_order FOREIGN KEY (order_id) REFERENCES t_order (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  'CREATE TABLE t_order_item (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL REFERENCES t_order(id), region_id INT, FOREIGN KEY (region_id) REFERENCES t_region (id))',
  'CREATE TABLE t_config (k VARCHAR(64) NOT NULL PRIMARY KEY, v TEXT, updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP) DEFAULT CHARSET=utf8mb4',
  'CREATE TABLE `t_region` (`id` INT NOT NULL, `name` VARCHAR(100) NOT NULL, UNIQUE KEY `uk_name` (`name`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
  'CREATE TABLE t_audit (id BIGINT NOT NULL AUTO_INCREMENT, what JSON, PRIMARY KEY (id)) ENGINE=InnoDB AUTO_INCREMENT=1000',
  'CREATE TABLE t_report LIKE t_audit',
  'CREATE TABLE t_user (id BIGINT NOT NULL, email VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, kind ENUM(\'a\',\'b\') DEFAULT \'a\', PRIMARY KEY (id), UNIQUE KEY uk_email (id, email))',
  "CREATE TABLE t_order (id BIGINT NOT NULL, user_id BIGINT NOT NULL, note VARCHAR(200) DEFAULT 't_order', PRIMARY KEY (id)) -- t_order again",
  'CREATE TABLE /* keep me: t_order */ t_order (id BIGINT PRIMARY KEY, user_id BIGINT)',
  'CREATE TABLE t_order (id BIGINT UNSIGNED NOT NULL, user_id BIGINT UNSIGNED NOT NULL, flags TINYINT(1) NOT NULL DEFAULT 0, blob_data LONGBLOB, PRIMARY KEY (id), FULLTEXT KEY ft_note (flags))',
  // ALTER TABLE ... ADD / DROP / MODIFY / CHANGE COLUMN
  "ALTER TABLE t_order ADD COLUMN note VARCHAR(255) NOT NULL DEFAULT '' COMMENT 'free text'",
  'ALTER TABLE t_order ADD COLUMN paid_at DATETIME NULL AFTER status',
  'ALTER TABLE t_order ADD COLUMN version INT NOT NULL DEFAULT 0 FIRST',
  "ALTER TABLE `t_order` ADD COLUMN `channel` VARCHAR(32) NOT NULL DEFAULT 'web', ALGORITHM=INSTANT",
  'ALTER TABLE t_order ADD COLUMN a INT, ADD COLUMN b INT, ALGORITHM=INPLACE, LOCK=NONE',
  'ALTER TABLE t_order DROP COLUMN legacy_flag',
  'ALTER TABLE t_order DROP legacy_flag',
  'ALTER TABLE t_order MODIFY COLUMN note VARCHAR(512) NOT NULL DEFAULT \'\'',
  'ALTER TABLE t_order MODIFY amount DECIMAL(14,2) NOT NULL',
  'ALTER TABLE t_order CHANGE COLUMN note remark VARCHAR(512) NULL',
  'ALTER TABLE t_order CHANGE note note TEXT',
  'ALTER TABLE t_order RENAME COLUMN remark TO note',
  "ALTER TABLE t_order ADD COLUMN t_order_ref VARCHAR(20) DEFAULT 't_order'",
  'ALTER TABLE t_config ADD COLUMN description VARCHAR(255) NULL',
  'ALTER TABLE t_audit ADD COLUMN actor VARCHAR(64) NULL',
  'ALTER TABLE t_user MODIFY COLUMN email VARCHAR(320) NOT NULL',
  // indexes
  'ALTER TABLE t_order ADD INDEX idx_created (created_at)',
  'ALTER TABLE t_order ADD KEY idx_user_status (user_id, status), ALGORITHM=INPLACE, LOCK=NONE',
  'ALTER TABLE t_order ADD UNIQUE KEY uk_user_no (user_id, order_no)',
  'ALTER TABLE t_order ADD UNIQUE INDEX uk_user_ext (user_id, ext_id)',
  'ALTER TABLE t_order DROP INDEX idx_created',
  'ALTER TABLE t_order DROP KEY idx_user_status',
  'ALTER TABLE t_order ADD FULLTEXT INDEX ft_note (note)',
  'ALTER TABLE t_order DROP PRIMARY KEY, ADD PRIMARY KEY (id, user_id)',
  'CREATE INDEX idx_status ON t_order (status)',
  'CREATE UNIQUE INDEX uk_order_no ON t_order (user_id, order_no)',
  'CREATE INDEX idx_status2 ON `t_order` (`status`, created_at DESC)',
  'CREATE INDEX idx_note ON t_order (note(20)) ALGORITHM=INPLACE LOCK=NONE',
  'CREATE INDEX idx_sku USING BTREE ON t_order_item (sku)',
  'CREATE INDEX idx_k ON t_config (k)',
  'DROP INDEX idx_status ON t_order',
  'DROP INDEX `uk_order_no` ON `t_order`',
  'DROP INDEX idx_note ON t_order ALGORITHM=INPLACE LOCK=NONE',
  // constraints
  'ALTER TABLE t_order_item ADD CONSTRAINT fk_item_order2 FOREIGN KEY (order_id) REFERENCES t_order (id)',
  'ALTER TABLE t_order_item ADD CONSTRAINT fk_item_region FOREIGN KEY (region_id) REFERENCES t_region (id) ON DELETE SET NULL',
  'ALTER TABLE t_order_item DROP FOREIGN KEY fk_item_order2',
  'ALTER TABLE t_order ADD CONSTRAINT chk_amount CHECK (amount >= 0)',
  // table options
  'ALTER TABLE t_order ENGINE=InnoDB',
  "ALTER TABLE t_order COMMENT = 'orders by user (t_order)'",
  'ALTER TABLE t_order AUTO_INCREMENT = 1',
  // rename
  'RENAME TABLE t_order TO t_order_item',
  'RENAME TABLE `t_order` TO `t_order_item`',
  'ALTER TABLE t_config RENAME TO t_region',
  'ALTER TABLE t_order RENAME AS t_order_item',
  // drop / truncate
  'DROP TABLE t_order',
  'DROP TABLE IF EXISTS t_order',
  'DROP TABLE IF EXISTS `t_order`, `t_order_item`',
  'DROP TABLE t_config',
  'TRUNCATE TABLE t_order',
  'TRUNCATE t_order_item',
  'TRUNCATE TABLE t_audit',
  // DML on broadcast and single tables (and keyed DML on sharded ones)
  "INSERT INTO t_config (k, v) VALUES ('t_order.batch', 'on'), ('mode', 'fast')",
  "INSERT INTO t_config SET k = 'x', v = 'y'",
  "INSERT INTO t_config (k, v) VALUES ('a', 'b') ON DUPLICATE KEY UPDATE v = VALUES(v)",
  "REPLACE INTO t_region (id, name) VALUES (1, 'EU')",
  "UPDATE t_config SET v = 'off' WHERE k = 't_order.batch'",
  "UPDATE t_config c SET c.v = 'x' WHERE c.k = 'y'",
  "DELETE FROM t_config WHERE k LIKE 'tmp.%'",
  "INSERT INTO t_config (k, v) SELECT CONCAT('r.', name), id FROM t_region",
  "INSERT INTO t_audit (what) VALUES ('{\\\"t_order\\\": 1}')",
  "UPDATE t_order SET status = 'CLOSED' WHERE user_id = 42 AND t_order.status = 'OPEN'",
  "DELETE FROM t_order WHERE user_id IN (1, 2, 3) AND status = 'DRAFT'",
  "INSERT INTO t_order (id, user_id, status) VALUES (1, 42, 'NEW')",
  'ALTER TABLE t_order ADD COLUMN x INT -- adds x to t_order\n, ALGORITHM=INPLACE',
];

/** Significant tokens and layout: type + exact text for everything but identifiers, value for identifiers. */
function tokensOf(sql: string) {
  return tokenize(sql).map((t) => ({ type: t.type, text: t.text, value: t.value }));
}

describe('rewrite corpus', () => {
  const topology = sampleTopology();
  const physicalOf = new Map<string, Set<string>>();
  for (const t of Object.values(topology.tables)) physicalOf.set(t.name, new Set(t.physical.map((p) => p.physicalTable)));

  it('has at least 60 statements', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CORPUS.map((sql, i) => [i + 1, sql] as const))('statement %i rewrites only table names', (_n, sql) => {
    const analyzed = analyzeStatement('V1__corpus.sql', { number: 1, sql, line: 1 });
    const routed = routeStatement(analyzed, topology);
    expect(routed.size).toBeGreaterThan(0);
    const original = tokensOf(sql);
    let rewrittenCount = 0;
    for (const [db, statements] of routed) {
      expect(topology.databases.map((d) => d.database)).toContain(db);
      for (const s of statements) {
        // parses
        expect(() => parseMySql(s.sql)).not.toThrow();
        // same token stream, except table-name identifiers mapped to their physical copies
        const rewritten = tokensOf(s.sql);
        expect(rewritten.length).toBe(original.length);
        rewritten.forEach((t, i) => {
          const o = original[i]!;
          expect(t.type).toBe(o.type);
          if (t.text === o.text) return;
          expect(['word', 'quoted']).toContain(o.type);
          // A database-scoped constraint name gets the name of its physical table's copy.
          if (t.value === physicalObjectName(o.value, s.physicalTable)) return;
          expect(analyzed.tables).toContain(o.value);
          expect(physicalOf.get(o.value)!.has(t.value)).toBe(true);
          rewrittenCount++;
        });
      }
    }
    const sharded = analyzed.tables.some((t) => topology.tables[t]!.kind === 'sharded' && !physicalOf.get(t)!.has(t));
    if (sharded) expect(rewrittenCount).toBeGreaterThan(0);
    else expect(rewrittenCount).toBe(0);
  });

  it('keeps strings and comments that contain the table name', () => {
    const sql = "ALTER TABLE t_order ADD COLUMN note VARCHAR(20) DEFAULT 't_order' COMMENT \"t_order\" /* t_order */ -- t_order\n";
    const [db, statements] = [...routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: sql.trim(), line: 1 }), topology)][0]!;
    expect(db).toBe('loan_0');
    expect(statements[2]!.sql).toBe("ALTER TABLE t_order_2 ADD COLUMN note VARCHAR(20) DEFAULT 't_order' COMMENT \"t_order\" /* t_order */ -- t_order");
  });

  it('keeps backticks around rewritten names', () => {
    const routed = routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: 'DROP TABLE IF EXISTS `t_order`, `t_order_item`', line: 1 }), topology);
    expect(routed.get('loan_3')![3]!.sql).toBe('DROP TABLE IF EXISTS `t_order_3`, `t_order_item_3`');
  });
});
