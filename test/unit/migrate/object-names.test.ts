import { describe, expect, it } from 'vitest';
import { logicalObjectName, MAX_IDENTIFIER, physicalObjectName } from '../../../pipeline/migrate/object-names.js';
import { analyzeStatement, routeStatement } from '../../../pipeline/migrate/rewrite.js';
import { compareCollected, firstDifference, normalizeCreateTable, physicalIndex } from '../../../pipeline/migrate/verify.js';
import { sampleTopology } from './helpers.js';

describe('per-physical-table names for database-scoped constraints', () => {
  it('appends the physical table, stays within 64 characters, and is stable', () => {
    expect(physicalObjectName('fk_item_order', 't_order_item_3')).toBe('fk_item_order__t_order_item_3');
    const long = 'fk_' + 'a'.repeat(70);
    const a = physicalObjectName(long, 't_order_item_3');
    const b = physicalObjectName(long, 't_order_item_12');
    expect(a).toHaveLength(MAX_IDENTIFIER);
    expect(b).toHaveLength(MAX_IDENTIFIER);
    expect(a).toMatch(/^fk_a+_[0-9a-f]{8}__t_order_item_3$/);
    expect(physicalObjectName(long, 't_order_item_3')).toBe(a);
    // Two long names with the same start stay distinct.
    expect(physicalObjectName(long + 'x', 't_order_item_3')).not.toBe(a);
    const longTable = 't_' + 'b'.repeat(50);
    expect(physicalObjectName('fk', longTable)).toMatch(/^fk__t[0-9a-f]{8}$/);
  });

  it('normalises back to one comparable name per logical constraint', () => {
    const long = 'chk_' + 'c'.repeat(70);
    expect(logicalObjectName(physicalObjectName(long, 't_order_3'), 't_order_3')).toBe(logicalObjectName(physicalObjectName(long, 't_order_12'), 't_order_12'));
    expect(logicalObjectName('fk_item_order__t_order_item_3', 't_order_item_3')).toBe('fk_item_order__<table>');
    // A name written by hand on another copy is not taken for this copy's.
    expect(logicalObjectName('fk_item_order__t_order_item_3', 't_order_item_2')).toBe('fk_item_order__t_order_item_3');
  });

  it('rewrites CONSTRAINT ... FOREIGN KEY|CHECK, FOREIGN KEY name, DROP FOREIGN KEY / CHECK / CONSTRAINT; not PRIMARY/UNIQUE names', () => {
    const topology = sampleTopology();
    const route = (sql: string) => routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql, line: 1 }), topology).get('loan_1')![2]!.sql;
    expect(route('ALTER TABLE t_order_item ADD CONSTRAINT `fk_item_order` FOREIGN KEY (order_id) REFERENCES t_order (id)')).toBe(
      'ALTER TABLE t_order_item_2 ADD CONSTRAINT `fk_item_order__t_order_item_2` FOREIGN KEY (order_id) REFERENCES t_order_2 (id)',
    );
    expect(route('ALTER TABLE t_order ADD CONSTRAINT chk_amount CHECK (amount >= 0)')).toBe('ALTER TABLE t_order_2 ADD CONSTRAINT chk_amount__t_order_2 CHECK (amount >= 0)');
    expect(route('ALTER TABLE t_order_item ADD FOREIGN KEY fk_x (order_id) REFERENCES t_order (id)')).toBe('ALTER TABLE t_order_item_2 ADD FOREIGN KEY fk_x__t_order_item_2 (order_id) REFERENCES t_order_2 (id)');
    expect(route('ALTER TABLE t_order_item DROP FOREIGN KEY fk_item_order')).toBe('ALTER TABLE t_order_item_2 DROP FOREIGN KEY fk_item_order__t_order_item_2');
    expect(route('ALTER TABLE t_order DROP CONSTRAINT chk_amount')).toBe('ALTER TABLE t_order_2 DROP CONSTRAINT chk_amount__t_order_2');
    expect(route('ALTER TABLE t_order DROP CHECK chk_amount')).toBe('ALTER TABLE t_order_2 DROP CHECK chk_amount__t_order_2');
    expect(route('ALTER TABLE t_order ADD CONSTRAINT uk_no UNIQUE (user_id, id)')).toBe('ALTER TABLE t_order_2 ADD CONSTRAINT uk_no UNIQUE (user_id, id)');
    expect(route('ALTER TABLE t_order ADD CONSTRAINT pk PRIMARY KEY (id)')).toBe('ALTER TABLE t_order_2 ADD CONSTRAINT pk PRIMARY KEY (id)');
    expect(route('CREATE TABLE t_order_item (id INT, order_id INT, CONSTRAINT fk_o FOREIGN KEY (order_id) REFERENCES t_order (id), CONSTRAINT ck CHECK (id > 0))')).toBe(
      'CREATE TABLE t_order_item_2 (id INT, order_id INT, CONSTRAINT fk_o__t_order_item_2 FOREIGN KEY (order_id) REFERENCES t_order_2 (id), CONSTRAINT ck__t_order_item_2 CHECK (id > 0))',
    );
    // Broadcast and single tables exist once per database: their names are kept.
    const b = routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: 'ALTER TABLE t_config ADD CONSTRAINT chk_k CHECK (k <> \'\')', line: 1 }), topology);
    expect(b.get('loan_3')![0]!.sql).toBe("ALTER TABLE t_config ADD CONSTRAINT chk_k CHECK (k <> '')");
  });
});

describe('verify with derived names and foreign keys', () => {
  const show = (table: string, ref: string) =>
    `CREATE TABLE \`${table}\` (\n  \`id\` bigint(20) NOT NULL,\n  \`order_id\` bigint(20) NOT NULL,\n  PRIMARY KEY (\`id\`),\n  KEY \`fk_o__${table}\` (\`order_id\`),\n  CONSTRAINT \`fk_o__${table}\` FOREIGN KEY (\`order_id\`) REFERENCES \`${ref}\` (\`id\`),\n  CONSTRAINT \`${table}_chk_1\` CHECK (\`id\` > 0)\n) ENGINE=InnoDB`;
  const c = (table: string) => ({ node: 'n1', database: 'd0', table });
  const tables = [
    { logicalTable: 'item', copies: [c('item_0'), c('item_1')] },
    { logicalTable: 'order', copies: [c('order_0'), c('order_1')] },
  ];
  it('copies paired by index with their own constraint names are the same', () => {
    const ddl = new Map([
      ['d0.item_0', normalizeCreateTable(show('item_0', 'order_0'), 'item_0')],
      ['d0.item_1', normalizeCreateTable(show('item_1', 'order_1'), 'item_1')],
    ]);
    expect(compareCollected(tables.slice(0, 1), ddl, [], physicalIndex(tables)).ok).toBe(true);
  });
  it('a copy referencing the wrong shard is drift', () => {
    const ddl = new Map([
      ['d0.item_0', normalizeCreateTable(show('item_0', 'order_0'), 'item_0')],
      ['d0.item_1', normalizeCreateTable(show('item_1', 'order_0'), 'item_1')],
    ]);
    const report = compareCollected(tables.slice(0, 1), ddl, [], physicalIndex(tables));
    expect(report.ok).toBe(false);
  });
  it('the drift diff ignores a trailing comma and counts repeated lines', () => {
    expect(firstDifference('PRIMARY KEY (`id`)\n)', 'PRIMARY KEY (`id`),\nKEY `i` (`a`)\n)')).toBe('+ KEY `i` (`a`)');
    expect(firstDifference('a,\na,\nb', 'a,\nb')).toBe('- a');
  });
});
