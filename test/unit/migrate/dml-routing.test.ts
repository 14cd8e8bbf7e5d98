import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { parseConfig } from '../../../pipeline/config/load.js';
import { analyzeStatement, routeStatement } from '../../../pipeline/migrate/rewrite.js';
import { compileAlgorithm, ShardingAlgorithmError } from '../../../pipeline/migrate/sharding-algorithm.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { sampleTopology } from './helpers.js';

// ShardingSphere's own example shape: databases by user_id, tables by order_id, bound tables.
const YAML = `version: 1
migrate:
  environments:
    prod:
      nodes: { n1: { dsnEnv: N1 } }
      databases: { ds_0: n1, ds_1: n1 }
      defaultDatabaseStrategy: { shardingColumn: user_id, algorithmExpression: 'ds_\${user_id % 2}' }
      bindingTables: [[t_order, t_order_item]]
      tables:
        t_order: { kind: sharded, actualDataNodes: 'ds_\${0..1}.t_order_\${0..1}', tableStrategy: { shardingColumn: order_id, algorithmExpression: 't_order_\${order_id % 2}' } }
        t_order_item: { kind: sharded, actualDataNodes: 'ds_\${0..1}.t_order_item_\${0..1}', tableStrategy: { shardingColumn: order_id, algorithmExpression: 't_order_item_\${order_id % 2}' } }
        t_log: { kind: sharded, actualDataNodes: 'ds_\${0..1}.t_log_\${0..1}', shardKey: id }
        t_config: { kind: broadcast }
`;
const topology = resolveTopology(parseConfig('shardship.yaml', YAML).migrate!, 'prod');

function route(sql: string, allShards = false) {
  const r = routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql, line: 4, ...(allShards ? { allShards } : {}) }), topology);
  return [...r].flatMap(([db, list]) => list.map((s) => `${db}: ${s.sql}`));
}
function refusal(sql: string): string {
  try {
    route(sql);
  } catch (e) {
    if (e instanceof ConfigError) return `${e.problems[0]!.message} | ${e.problems[0]!.hint ?? ''}`;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('inline sharding algorithms', () => {
  it('evaluates Groovy integer arithmetic as ShardingSphere does', () => {
    expect(compileAlgorithm('ds_${user_id % 2}').route(new Map([['user_id', 43n]]))).toBe('ds_1');
    expect(compileAlgorithm('t_$->{order_id.intdiv(4) % 4}').route(new Map([['order_id', 42n]]))).toBe('t_2');
    expect(compileAlgorithm('t_${Math.abs(id) % 3}').route(new Map([['id', -7n]]))).toBe('t_1');
    expect(compileAlgorithm('t_${Math.floorMod(id, 3)}').route(new Map([['id', -7n]]))).toBe('t_2');
    // Java's % keeps the dividend's sign.
    expect(compileAlgorithm('t_${id % 3}').route(new Map([['id', -7n]]))).toBe('t_-1');
    expect(compileAlgorithm('ds_${(user_id + 1) * 2 % 5}').route(new Map([['user_id', 9007199254740993n]]))).toBe('ds_3');
    expect(compileAlgorithm('ds_${user_id % 2}').columns).toEqual(['user_id']);
  });
  it('refuses what it cannot evaluate exactly', () => {
    expect(() => compileAlgorithm('ds_${user_id / 2}')).toThrow(/intdiv/);
    expect(() => compileAlgorithm('ds_${user_id.hashCode() % 2}')).toThrow(ShardingAlgorithmError);
    expect(() => compileAlgorithm('ds_0')).toThrow(/no \$\{/);
  });
});

describe('the topology models strategies as ShardingSphere does', () => {
  it('keeps per-table and default strategies, the columns that pick database and table, and binding tables', () => {
    const t = topology.tables.t_order!;
    expect(t.databaseStrategy).toEqual({ shardingColumn: 'user_id', algorithmExpression: 'ds_${user_id % 2}' });
    expect(t.tableStrategy).toEqual({ shardingColumn: 'order_id', algorithmExpression: 't_order_${order_id % 2}' });
    expect(t.shardingColumns).toEqual(['user_id', 'order_id']);
    expect(t.shardKey).toBe('order_id');
    expect(topology.bindingTables).toEqual([['t_order', 't_order_item']]);
  });
  it('reports a bad algorithm or binding with file:line', () => {
    const bad = YAML.replace("'t_order_${order_id % 2}'", "'t_order_${order_id.hashCode() % 2}'").replace('[[t_order, t_order_item]]', '[[t_order, t_config]]');
    try {
      resolveTopology(parseConfig('shardship.yaml', bad).migrate!, 'prod', undefined);
      throw new Error('expected a ConfigError');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      expect(e.problems.map((p) => p.path)).toEqual(['migrate.environments.prod.tables.t_order.tableStrategy.algorithmExpression', 'migrate.environments.prod.bindingTables.0']);
    }
  });
});

describe('DML routing', () => {
  it('routes each INSERT row through both strategies to one physical table, keeping its text', () => {
    expect(route("INSERT INTO t_order (order_id, user_id, note) VALUES (1, 42, 'one row'), (2, 43, 'it''s (2)'), (3, 42, 'three')")).toEqual([
      "ds_0: INSERT INTO t_order_1 (order_id, user_id, note) VALUES (1, 42, 'one row'), (3, 42, 'three')",
      "ds_1: INSERT INTO t_order_0 (order_id, user_id, note) VALUES (2, 43, 'it''s (2)')",
    ]);
    expect(route("INSERT INTO t_order (order_id, user_id) VALUES (4, 5) ON DUPLICATE KEY UPDATE note = 'x'")).toEqual(["ds_1: INSERT INTO t_order_0 (order_id, user_id) VALUES (4, 5) ON DUPLICATE KEY UPDATE note = 'x'"]);
  });
  it('routes UPDATE/DELETE by the sharding-column values in WHERE', () => {
    expect(route("UPDATE t_order SET note = 'x' WHERE user_id = 42 AND order_id = 3")).toEqual(["ds_0: UPDATE t_order_1 SET note = 'x' WHERE user_id = 42 AND order_id = 3"]);
    expect(route('DELETE FROM t_order WHERE user_id IN (1, 2)')).toEqual([
      'ds_0: DELETE FROM t_order_0 WHERE user_id IN (1, 2)',
      'ds_0: DELETE FROM t_order_1 WHERE user_id IN (1, 2)',
      'ds_1: DELETE FROM t_order_0 WHERE user_id IN (1, 2)',
      'ds_1: DELETE FROM t_order_1 WHERE user_id IN (1, 2)',
    ]);
    expect(route('DELETE FROM t_order WHERE user_id = 1 OR user_id = 3')).toHaveLength(2);
  });
  it('refuses what would scatter or land wrong, before any shard is touched', () => {
    expect(refusal("UPDATE t_order SET note = 'x' WHERE note = 'y'")).toMatch(/^statement 1: UPDATE on sharded table t_order has no condition on its sharding columns \(user_id, order_id\): it would run on every shard \| .*shardship: all-shards/);
    expect(refusal('DELETE FROM t_order WHERE user_id = 1 OR note = 2')).toMatch(/no condition on its sharding columns/);
    expect(refusal('INSERT INTO t_order (order_id, note) VALUES (1, 2)')).toMatch(/does not set sharding column user_id/);
    expect(refusal('INSERT INTO t_order (order_id, user_id) VALUES (1, 2 + 1)')).toMatch(/user_id is not an integer literal/);
    expect(refusal('INSERT INTO t_order (order_id, user_id) SELECT id, 1 FROM t_config')).toMatch(/must list its columns and VALUES/);
    expect(refusal('UPDATE t_order SET user_id = 3 WHERE user_id = 1')).toMatch(/sets sharding column user_id/);
    // The default database strategy applies to every sharded table that declares none.
    expect(refusal('INSERT INTO t_log (id) VALUES (1)')).toMatch(/does not set sharding column user_id/);
    const noStrategy = () => routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: 'INSERT INTO t_user (id) VALUES (1)', line: 1 }), sampleTopology());
    expect(noStrategy).toThrow(/cannot be routed: the topology says which column routes it \(id\) but not how/);
  });
  it('runs a marked UPDATE on every shard; broadcast and single DML keep their meaning', () => {
    expect(route("UPDATE t_order SET note = 'x'", true)).toHaveLength(4);
    expect(route("INSERT INTO t_config (k) VALUES ('a')")).toEqual(["ds_0: INSERT INTO t_config (k) VALUES ('a')", "ds_1: INSERT INTO t_config (k) VALUES ('a')"]);
  });
});

describe('foreign key pairing uses the strategies', () => {
  it('pairs binding tables by position; refuses tables routed by other columns', () => {
    const r = routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: 'ALTER TABLE t_order_item ADD CONSTRAINT fk FOREIGN KEY (order_id) REFERENCES t_order (order_id)', line: 1 }), topology);
    expect(r.get('ds_1')![1]!.sql).toBe('ALTER TABLE t_order_item_1 ADD CONSTRAINT fk__t_order_item_1 FOREIGN KEY (order_id) REFERENCES t_order_1 (order_id)');
    expect(() => routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: 'ALTER TABLE t_log ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES t_order (order_id)', line: 1 }), topology)).toThrow(/sharded differently/);
  });
});
