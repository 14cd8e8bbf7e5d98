import { describe, expect, it } from 'vitest';
import { errorObject, statementWhere } from '../../../pipeline/migrate/statement-errors.js';

describe('what a failed statement failed on', () => {
  it('names the object MySQL names, or the statement\'s constraint for errno 121', () => {
    expect(errorObject("Duplicate column name 'note'", '')).toBe('column note');
    expect(errorObject("Duplicate key name 'idx_user'", '')).toBe('index idx_user');
    expect(errorObject("Can't DROP INDEX `idx_x`; check that it exists", '')).toBe('object idx_x (it does not exist)');
    expect(errorObject('Can\'t create table `loan_0`.`t_order_item_1` (errno: 121 "Duplicate key on write or update")', 'ALTER TABLE t_order_item_1 ADD CONSTRAINT `fk_o__t_order_item_1` FOREIGN KEY (o) REFERENCES t_order_1 (id)')).toBe(
      'constraint fk_o__t_order_item_1 (already exists in this database)',
    );
    expect(errorObject('Lock wait timeout exceeded', 'ALTER TABLE t ADD x INT')).toBeUndefined();
  });
  it('says where: file:line, database.physical table, object', () => {
    const st = { index: 2, sql: '', logicalTable: 't_order', physicalTable: 't_order_2', sourceStatement: 1, sourceLine: 7, kind: 'ddl' as const };
    expect(statementWhere({ version: '2', description: 'x', file: 'migrations/V2__x.sql', checksum: '' }, st, 'loan_1', 'column note')).toBe('statement 3 (migrations/V2__x.sql:7, loan_1.t_order_2, column note)');
  });
});
