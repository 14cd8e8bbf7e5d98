// Real-world DDL shapes beyond the corpus: what the rewrite handles, and what it refuses with a
// reason before any shard is touched.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { analyzeStatement, routeStatement } from '../../../pipeline/migrate/rewrite.js';
import { splitStatements } from '../../../pipeline/migrate/sql-tokens.js';
import { sampleTopology } from './helpers.js';

const topology = sampleTopology();
const route = (sql: string) => routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql, line: 1 }), topology);
const copy = (sql: string) => route(sql).get('loan_1')![1]!.sql;
function refusal(sql: string): string {
  try {
    route(sql);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems[0]!.message + ' | ' + (e.problems[0]!.hint ?? '');
    throw e;
  }
  throw new Error(`expected a refusal of ${sql}`);
}

describe('more real-world DDL shapes', () => {
  it('handles generated columns, fulltext and spatial indexes, LIKE, RENAME INDEX and backticked mixed-case columns', () => {
    expect(copy('ALTER TABLE t_order ADD COLUMN total DECIMAL(12,2) AS (amount * 2) STORED')).toBe('ALTER TABLE t_order_1 ADD COLUMN total DECIMAL(12,2) AS (amount * 2) STORED');
    expect(copy('ALTER TABLE t_order ADD COLUMN t2 INT GENERATED ALWAYS AS (id + 1) VIRTUAL')).toBe('ALTER TABLE t_order_1 ADD COLUMN t2 INT GENERATED ALWAYS AS (id + 1) VIRTUAL');
    expect(copy('ALTER TABLE t_order ADD FULLTEXT INDEX ft_note (note)')).toBe('ALTER TABLE t_order_1 ADD FULLTEXT INDEX ft_note (note)');
    expect(copy('CREATE SPATIAL INDEX sp_loc ON t_order (loc)')).toBe('CREATE SPATIAL INDEX sp_loc ON t_order_1 (loc)');
    expect(copy('CREATE TABLE t_order_item LIKE t_order')).toBe('CREATE TABLE t_order_item_1 LIKE t_order_1');
    expect(copy('ALTER TABLE t_order RENAME INDEX idx_a TO idx_b')).toBe('ALTER TABLE t_order_1 RENAME INDEX idx_a TO idx_b');
    expect(copy('ALTER TABLE `t_order` RENAME KEY `Idx A` TO `idx_b`')).toBe('ALTER TABLE `t_order_1` RENAME KEY `Idx A` TO `idx_b`');
    expect(copy("ALTER TABLE `t_order` ADD COLUMN `MixedCase` INT COMMENT 'a;b' /* c; d */")).toBe("ALTER TABLE `t_order_1` ADD COLUMN `MixedCase` INT COMMENT 'a;b' /* c; d */");
  });

  it('splits files at real semicolons only (comments and strings with ;)', () => {
    const split = splitStatements("-- one; two\nALTER TABLE t_order ADD COLUMN a INT COMMENT 'x;y'; /* z; */ ALTER TABLE t_order ADD COLUMN b INT # c;\n;");
    expect(split.statements.map((s) => s.sql)).toEqual(["ALTER TABLE t_order ADD COLUMN a INT COMMENT 'x;y'", 'ALTER TABLE t_order ADD COLUMN b INT']);
  });

  it('refuses with a reason: CREATE TABLE ... AS SELECT, triggers and views on sharded tables, partitioned tables', () => {
    expect(refusal('CREATE TABLE t_order_item AS SELECT * FROM t_order')).toMatch(/CREATE TABLE \.\.\. AS SELECT on sharded table t_order_item .*rows/);
    expect(refusal('CREATE TRIGGER trg BEFORE INSERT ON t_order FOR EACH ROW SET NEW.amount = 0')).toMatch(/trigger on sharded table t_order/);
    expect(refusal('CREATE VIEW v_order AS SELECT * FROM t_order')).toMatch(/view on sharded table t_order/);
    expect(refusal('DROP TRIGGER trg')).toMatch(/triggers are not managed/);
    expect(() => route("CREATE TABLE t_order (id INT) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10))")).toThrow(/cannot be parsed as MySQL/);
  });

  it('a table name in another case is another table on Linux: says which one was meant', () => {
    expect(refusal('ALTER TABLE `T_Order` ADD COLUMN x INT')).toMatch(/"T_Order" is not in the topology.*names are case-sensitive: did you mean t_order\?/);
  });
});
