import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { analyzeStatement, rewriteTableNames, routeStatement } from '../../../pipeline/migrate/rewrite.js';
import { MigrateConfig } from '../../../pipeline/config/migrate.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { sampleTopology } from './helpers.js';

const topology = sampleTopology();

function route(sql: string, line = 7) {
  return routeStatement(analyzeStatement('migrations/V2__x.sql', { number: 3, sql, line }), topology);
}

function problem(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems[0]!;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('routing statements through the topology', () => {
  it('turns a sharded statement into one per physical table in each database', () => {
    const r = route('ALTER TABLE t_order ADD COLUMN x INT');
    expect([...r.keys()]).toEqual(['loan_0', 'loan_1', 'loan_2', 'loan_3']);
    expect(r.get('loan_1')!.map((s) => s.physicalTable)).toEqual(['t_order_0', 't_order_1', 't_order_2', 't_order_3']);
    expect(r.get('loan_1')![1]).toEqual({ sql: 'ALTER TABLE t_order_1 ADD COLUMN x INT', logicalTable: 't_order', physicalTable: 't_order_1' });
  });

  it('runs broadcast statements in every database and single ones in their database, unchanged', () => {
    const b = route("INSERT INTO t_config (k, v) VALUES ('a', 'b')");
    expect([...b.keys()]).toEqual(['loan_0', 'loan_1', 'loan_2', 'loan_3']);
    expect(b.get('loan_2')![0]!.sql).toBe("INSERT INTO t_config (k, v) VALUES ('a', 'b')");
    const s = route('ALTER TABLE t_audit ADD COLUMN y INT');
    expect([...s.keys()]).toEqual(['loan_0']);
  });

  it('pairs identically sharded tables by index (foreign key, rename)', () => {
    const r = route('ALTER TABLE t_order_item ADD CONSTRAINT fk FOREIGN KEY (order_id) REFERENCES t_order (id)');
    // A foreign key's name is scoped to the database: each copy gets its own (object-names.ts).
    expect(r.get('loan_2')![3]!.sql).toBe('ALTER TABLE t_order_item_3 ADD CONSTRAINT fk__t_order_item_3 FOREIGN KEY (order_id) REFERENCES t_order_3 (id)');
  });

  it('keeps a referenced broadcast table as it is', () => {
    const r = route('ALTER TABLE t_order ADD CONSTRAINT fk FOREIGN KEY (region_id) REFERENCES t_region (id)');
    expect(r.get('loan_0')![2]!.sql).toBe('ALTER TABLE t_order_2 ADD CONSTRAINT fk__t_order_2 FOREIGN KEY (region_id) REFERENCES t_region (id)');
  });

  it('refuses differently sharded tables in one statement', () => {
    const p = problem(() => route('RENAME TABLE t_order TO t_user'));
    expect(p.message).toMatch(/"t_order" and "t_user" are sharded differently/);
    expect(p.position).toEqual({ file: 'migrations/V2__x.sql', line: 7, column: 1 });
  });

  it('refuses mixed targets and tables that do not exist everywhere the statement runs', () => {
    expect(problem(() => route('DROP TABLE t_order, t_config')).message).toMatch(/changes both sharded "t_order" and broadcast "t_config"/);
    expect(problem(() => route('INSERT INTO t_config (k) SELECT id FROM t_order')).message).toMatch(/cannot be combined with sharded table "t_order"/);
    expect(problem(() => route('INSERT INTO t_config (k) SELECT what FROM t_audit')).message).toMatch(/only exists in loan_0/);
    expect(problem(() => route('ALTER TABLE t_order ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES t_audit (id)')).message).toMatch(/single table "t_audit"/);
  });

  it('names an unknown table with file:line and a fix', () => {
    const p = problem(() => route('ALTER TABLE t_orders ADD COLUMN x INT', 12));
    expect(p.message).toBe('statement 3: table "t_orders" is not in the topology of environment "prod"');
    const physical = problem(() => route('ALTER TABLE t_order_3 ADD COLUMN x INT'));
    expect(physical.message).toBe('statement 3: "t_order_3" is a physical table of "t_order": use the logical name t_order');
    expect(physical.hint).not.toMatch(/declare/);
    expect(p.position?.line).toBe(12);
    expect(p.hint).toMatch(/migrate\.environments\.prod\.tables/);
  });

  it('reports SQL the parser cannot read at its line, without guessing', () => {
    const p = problem(() => analyzeStatement('migrations/V2__x.sql', { number: 2, sql: 'ALTER TABLE t_order\n  ALTER COLUMN status SET DEFAULT 1', line: 10 }));
    expect(p.message).toMatch(/^statement 2 cannot be parsed as MySQL/);
    expect(p.position?.line).toBe(11);
  });

  it('refuses database-qualified names and statements that are not table changes', () => {
    expect(problem(() => route('ALTER TABLE loan_0.t_order ADD COLUMN x INT')).message).toMatch(/database-qualified/);
    expect(problem(() => route('SELECT 1')).message).toMatch(/names no table|not a table change/);
  });

  it('does not touch a column that shares the table name', () => {
    const r = route('ALTER TABLE t_order ADD COLUMN t_order INT');
    expect(r.get('loan_0')![1]!.sql).toBe('ALTER TABLE t_order_1 ADD COLUMN t_order INT');
  });

  it('rewrites only identifiers in table positions', () => {
    const map = new Map([['t_order', 't_order_9']]);
    expect(rewriteTableNames("UPDATE t_order SET t_order.a = 't_order' WHERE b = 1", map)).toBe("UPDATE t_order_9 SET t_order_9.a = 't_order' WHERE b = 1");
    expect(rewriteTableNames('SELECT t_order FROM x', map)).toBe('SELECT t_order FROM x');
  });

  it('handles physical names without digits and physical names equal to the logical one', () => {
    const cfg = MigrateConfig.parse({
      environments: {
        e: {
          nodes: { n: { dsnEnv: 'N_DSN' } },
          databases: { eu: 'n', us: 'n' },
          tables: {
            t_order: { kind: 'sharded', actualDataNodes: "${['eu','us']}.t_order_${['a','b']}", shardKey: 'user_id' },
            t_user: { kind: 'sharded', actualDataNodes: 'eu.t_user,us.t_user', shardKey: 'id' },
          },
        },
      },
    });
    const topo = resolveTopology(cfg, 'e');
    const a = routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: 'ALTER TABLE `t_order` ADD COLUMN x INT', line: 1 }), topo);
    expect(a.get('us')!.map((s) => s.sql)).toEqual(['ALTER TABLE `t_order_a` ADD COLUMN x INT', 'ALTER TABLE `t_order_b` ADD COLUMN x INT']);
    const b = routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: 'ALTER TABLE t_user ADD COLUMN x INT', line: 1 }), topo);
    expect([...b].map(([db, list]) => [db, list.map((s) => s.sql)])).toEqual([
      ['eu', ['ALTER TABLE t_user ADD COLUMN x INT']],
      ['us', ['ALTER TABLE t_user ADD COLUMN x INT']],
    ]);
  });
});
