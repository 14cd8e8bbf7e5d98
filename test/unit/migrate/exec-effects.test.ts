import { describe, expect, it } from 'vitest';
import { effectStatus, statementEffect } from '../../../pipeline/migrate/effects.js';

describe('what a DDL statement leaves behind (for resuming after a crash)', () => {
  it('reads column, index and constraint effects of an ALTER', () => {
    expect(statementEffect('ALTER TABLE `t_order_1` ADD COLUMN `note` VARCHAR(64) NULL, ADD INDEX idx_note (note)')).toEqual({
      kind: 'checkable',
      checks: [
        { what: 'column', table: 't_order_1', column: 'note', present: true },
        { what: 'index', table: 't_order_1', index: 'idx_note', present: true },
      ],
    });
    expect(statementEffect('ALTER TABLE t DROP COLUMN legacy, DROP INDEX idx_old, ADD UNIQUE KEY uk_a (a)')).toMatchObject({
      checks: [
        { what: 'column', column: 'legacy', present: false },
        { what: 'index', index: 'idx_old', present: false },
        { what: 'index', index: 'uk_a', present: true },
      ],
    });
    expect(statementEffect('ALTER TABLE t RENAME COLUMN a TO b')).toMatchObject({ checks: [{ column: 'a', present: false }, { column: 'b', present: true }] });
    expect(statementEffect('ALTER TABLE t ADD CONSTRAINT fk_u FOREIGN KEY (u) REFERENCES users (id)')).toMatchObject({ checks: [{ what: 'constraint', constraint: 'fk_u' }] });
    expect(statementEffect('ALTER TABLE t ADD (a INT, b INT)')).toMatchObject({ checks: [{ column: 'a' }, { column: 'b' }] });
  });

  it('reads CREATE/DROP TABLE, CREATE/DROP INDEX and RENAME TABLE', () => {
    expect(statementEffect('CREATE TABLE IF NOT EXISTS t_item_2 (id INT PRIMARY KEY)')).toEqual({ kind: 'checkable', checks: [{ what: 'table', table: 't_item_2', present: true }] });
    expect(statementEffect('DROP TABLE t_tmp')).toEqual({ kind: 'checkable', checks: [{ what: 'table', table: 't_tmp', present: false }] });
    expect(statementEffect('CREATE UNIQUE INDEX uk ON t_order_0 (a)')).toEqual({ kind: 'checkable', checks: [{ what: 'index', table: 't_order_0', index: 'uk', present: true }] });
    expect(statementEffect('DROP INDEX uk ON t_order_0')).toMatchObject({ checks: [{ what: 'index', present: false }] });
    expect(statementEffect('RENAME TABLE a_1 TO b_1')).toMatchObject({ checks: [{ table: 'a_1', present: false }, { table: 'b_1', present: true }] });
  });

  it('treats re-runnable changes as idempotent and unknown ones as unknown', () => {
    expect(statementEffect('ALTER TABLE t MODIFY amount DECIMAL(14,2) NOT NULL')).toEqual({ kind: 'idempotent' });
    expect(statementEffect('ALTER TABLE t CHANGE amount amount BIGINT')).toEqual({ kind: 'idempotent' });
    expect(statementEffect('ALTER TABLE t ADD PARTITION (PARTITION p9 VALUES LESS THAN (9))').kind).toBe('unknown');
    expect(statementEffect('TRUNCATE TABLE t').kind).toBe('unknown');
  });

  it('combines facts: all -> applied, none -> not applied, some -> partial', () => {
    const e = statementEffect('ALTER TABLE t ADD COLUMN a INT, ADD INDEX i (a)');
    expect(effectStatus(e, [true, true])).toBe('applied');
    expect(effectStatus(e, [false, false])).toBe('not-applied');
    expect(effectStatus(e, [true, false])).toBe('partial');
    expect(effectStatus({ kind: 'idempotent' }, [])).toBe('rerun-safe');
  });
});
