import { describe, expect, it } from 'vitest';
import { chooseAlgorithms, splitTopLevel, stripSql } from '../../../pipeline/migrate/online-ddl.js';

describe('online DDL algorithm choice', () => {
  it('tries INSTANT then INPLACE, LOCK=NONE for a column add; never COPY unless allowed', () => {
    const c = chooseAlgorithms('ALTER TABLE t_order_3 ADD COLUMN note VARCHAR(64) NULL;', false);
    expect(c.variants.map((v) => v.algorithm)).toEqual(['INSTANT', 'INPLACE']);
    expect(c.variants[0]!.sql).toBe('ALTER TABLE t_order_3 ADD COLUMN note VARCHAR(64) NULL\n, ALGORITHM=INSTANT');
    expect(c.variants[1]!.sql).toMatch(/, ALGORITHM=INPLACE, LOCK=NONE$/);
    expect(chooseAlgorithms('ALTER TABLE t ADD COLUMN a INT', true).variants.map((v) => v.algorithm)).toEqual(['INSTANT', 'INPLACE', 'COPY']);
  });

  it('goes straight to INPLACE for index work, which is never instant', () => {
    expect(chooseAlgorithms('ALTER TABLE t ADD COLUMN n INT, ADD INDEX idx_n (n)', false).variants.map((v) => v.algorithm)).toEqual(['INPLACE']);
    expect(chooseAlgorithms('ALTER TABLE t ADD UNIQUE KEY uk (a, b)', false).variants.map((v) => v.algorithm)).toEqual(['INPLACE']);
    const ci = chooseAlgorithms('CREATE INDEX idx_user ON t_order_1 (user_id)', false);
    expect(ci.variants).toEqual([{ algorithm: 'INPLACE', sql: 'CREATE INDEX idx_user ON t_order_1 (user_id)\n ALGORITHM=INPLACE LOCK=NONE' }]);
  });

  it('keeps an explicit algorithm, but refuses an explicit COPY unless allowed', () => {
    expect(chooseAlgorithms('ALTER TABLE t ADD COLUMN a INT, ALGORITHM=INPLACE', false).variants).toEqual([{ algorithm: 'AS_WRITTEN', sql: 'ALTER TABLE t ADD COLUMN a INT, ALGORITHM=INPLACE' }]);
    expect(chooseAlgorithms('ALTER TABLE t MODIFY a BIGINT, ALGORITHM=COPY', false).refused).toMatch(/allowCopyAlter/);
    expect(chooseAlgorithms('ALTER TABLE t MODIFY a BIGINT, ALGORITHM=COPY', true).refused).toBeUndefined();
  });

  it('leaves other statements as written and keeps LOCK when the author chose one', () => {
    expect(chooseAlgorithms('CREATE TABLE x (id INT PRIMARY KEY)', false).variants).toEqual([{ algorithm: 'AS_WRITTEN', sql: 'CREATE TABLE x (id INT PRIMARY KEY)' }]);
    expect(chooseAlgorithms('ALTER TABLE t ADD INDEX i (a), LOCK=SHARED', false).variants[0]!.sql).toMatch(/LOCK=SHARED\n, ALGORITHM=INPLACE$/);
  });

  it('a trailing line comment cannot swallow the appended algorithm', () => {
    const v = chooseAlgorithms('ALTER TABLE t ADD COLUMN a INT -- why\n', false).variants[0]!;
    expect(v.sql).toBe('ALTER TABLE t ADD COLUMN a INT\n, ALGORITHM=INSTANT');
  });

  it('splits ALTER specifications at top-level commas only', () => {
    expect(splitTopLevel("ADD COLUMN a DECIMAL(10,2) DEFAULT '1,2', ADD INDEX i (a, b)")).toEqual(["ADD COLUMN a DECIMAL(10,2) DEFAULT '1,2'", 'ADD INDEX i (a, b)']);
    expect(stripSql('/* c */ ALTER TABLE t ADD a INT; ')).toBe('ALTER TABLE t ADD a INT');
  });
});

describe('SQL text transformations are token-aware', () => {
  it('stripSql removes comments only, never text inside strings or backticked names', () => {
    expect(stripSql("ALTER TABLE t ADD COLUMN pat VARCHAR(32) DEFAULT 'x/*y*/z' COMMENT 'glob: src/**/*.ts'")).toBe("ALTER TABLE t ADD COLUMN pat VARCHAR(32) DEFAULT 'x/*y*/z' COMMENT 'glob: src/**/*.ts'");
    expect(stripSql("ALTER TABLE t ADD COLUMN c INT COMMENT 'a;b -- c';")).toBe("ALTER TABLE t ADD COLUMN c INT COMMENT 'a;b -- c'");
    expect(stripSql('ALTER TABLE t ADD COLUMN `odd -- /* #` INT -- real\n')).toBe('ALTER TABLE t ADD COLUMN `odd -- /* #` INT');
    expect(stripSql("ALTER TABLE t /* one */ ADD COLUMN h VARCHAR(4) DEFAULT '#1' # two")).toBe("ALTER TABLE t   ADD COLUMN h VARCHAR(4) DEFAULT '#1'");
    expect(stripSql("ALTER TABLE t ADD COLUMN q VARCHAR(9) DEFAULT 'it''s;' ;")).toBe("ALTER TABLE t ADD COLUMN q VARCHAR(9) DEFAULT 'it''s;'");
    expect(stripSql("ALTER TABLE t ADD COLUMN b VARCHAR(9) DEFAULT 'a\\\\' -- x")).toBe("ALTER TABLE t ADD COLUMN b VARCHAR(9) DEFAULT 'a\\\\'");
    // Executable comments run on the server: kept.
    expect(stripSql('CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */')).toBe('CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */');
  });

  it('splitTopLevel ignores commas and parentheses in strings, names and comments', () => {
    expect(splitTopLevel("ADD COLUMN a INT COMMENT 'x, (y', ADD COLUMN `b,)` INT /* , */, ADD INDEX i (a, b)")).toEqual([
      "ADD COLUMN a INT COMMENT 'x, (y'",
      'ADD COLUMN `b,)` INT /* , */',
      'ADD INDEX i (a, b)',
    ]);
  });

  it('keywords inside strings do not change the algorithm choice', () => {
    expect(chooseAlgorithms("ALTER TABLE t ADD COLUMN p INT COMMENT 'PARTITION BY'", false).variants.map((v) => v.algorithm)).toEqual(['INSTANT', 'INPLACE']);
    expect(chooseAlgorithms("CREATE INDEX i ON t (a) COMMENT 'ALGORITHM'", false).variants[0]!.algorithm).toBe('INPLACE');
  });
});
