import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../pipeline/config/load.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { redact } from '../../../pipeline/core/redact.js';
import { importShardingSphere, renderImportYaml, translateDataNodes } from '../../../pipeline/migrate/shardingsphere.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { analyzeStatement, routeStatement } from '../../../pipeline/migrate/rewrite.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'config-sharding.yaml');

describe('import-shardingsphere', () => {
  it('turns a ShardingSphere-JDBC config into a shardship topology', () => {
    const result = importShardingSphere('config-sharding.yaml', readFileSync(FIXTURE, 'utf8'), { environment: 'prod' });
    expect(result.topology.nodes).toEqual({ node1: { dsnEnv: 'SHARD_NODE1_DSN' }, node2: { dsnEnv: 'SHARD_NODE2_DSN' } });
    expect(result.nodes.map((n) => [n.name, n.address, n.dataSources])).toEqual([
      ['node1', '10.0.0.11:3306', ['ds_0', 'ds_1']],
      ['node2', '10.0.0.12:3307', ['ds_2', 'ds_3']],
    ]);
    expect(result.topology.databases).toEqual({ loan_ds_0: 'node1', loan_ds_1: 'node1', loan_ds_2: 'node2', loan_ds_3: 'node2' });
    expect(result.topology.tables).toEqual({
      // The database strategy is the default one (result.topology.defaultDatabaseStrategy).
      t_order: { kind: 'sharded', actualDataNodes: 'loan_ds_${0..3}.t_order_${0..7}', tableStrategy: { shardingColumn: 'user_id', algorithmExpression: 't_order_${user_id % 8}' } },
      t_order_item: { kind: 'sharded', actualDataNodes: 'loan_ds_${0..3}.t_order_item_${0..7}', tableStrategy: { shardingColumn: 'user_id', algorithmExpression: 't_order_item_${user_id % 8}' } },
      t_loan_ledger: { kind: 'sharded', actualDataNodes: 'loan_ds_$->{[0,2]}.t_loan_ledger_$->{00..03}' },
      t_region: { kind: 'broadcast' },
      t_currency: { kind: 'broadcast' },
      t_audit_log: { kind: 'single', database: 'loan_ds_0' },
    });
    expect(result.topology.defaultDatabaseStrategy).toEqual({ shardingColumn: 'user_id', algorithmExpression: 'loan_ds_${user_id % 4}' });
    expect(result.notes).toContain('rule !ENCRYPT ignored (not about table placement)');
  });

  it('prints YAML that shardship.yaml accepts, without any credential', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const result = importShardingSphere('config-sharding.yaml', text, { environment: 'prod' });
    const yaml = renderImportYaml(result, 'config-sharding.yaml');
    for (const secret of ['s3cr3t-ds0', 's3cr3t-ds3', 'root', 'serverTimezone']) expect(yaml).not.toContain(secret);
    expect(yaml).toContain('#   SHARD_NODE2_DSN  ->  10.0.0.12:3307  (data sources: ds_2, ds_3)');
    const config = parseConfig('shardship.yaml', `version: 1\n${yaml}`);
    const topology = resolveTopology(config.migrate!, 'prod');
    expect(topology.tables.t_order!.physical).toHaveLength(32);
    expect(topology.tables.t_loan_ledger!.physical.map((p) => `${p.database}.${p.physicalTable}`).slice(0, 5)).toEqual([
      'loan_ds_0.t_loan_ledger_00',
      'loan_ds_0.t_loan_ledger_01',
      'loan_ds_0.t_loan_ledger_02',
      'loan_ds_0.t_loan_ledger_03',
      'loan_ds_2.t_loan_ledger_00',
    ]);
    // passwords read from the file are registered as secrets
    expect(redact('password is s3cr3t-ds1')).toBe('password is ***');
  });

  it('writes the data nodes out when databases are not renamed data sources', () => {
    const db = new Map([
      ['ds_a', 'orders_eu'],
      ['ds_b', 'orders_us'],
    ]);
    expect(translateDataNodes("ds_${['a','b']}.t_${0..1}", (d) => db.get(d))).toBe('orders_eu.t_0,orders_eu.t_1,orders_us.t_0,orders_us.t_1');
    expect(translateDataNodes('ds_a.t_x', (d) => db.get(d))).toBe('orders_eu.t_x');
  });

  it('reports a data source without a MySQL url, and an unknown data source, with file:line', () => {
    const bad = 'dataSources:\n  ds_0:\n    url: jdbc:postgresql://h/db\nrules:\n- !SHARDING\n  tables:\n    t: { actualDataNodes: ds_1.t_0 }\n';
    let problems: ConfigError['problems'] = [];
    try {
      importShardingSphere('ss.yaml', bad);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    expect(problems.map((p) => `${p.position?.line} ${p.message}`)).toEqual([
      '3 data source "ds_0" has no jdbc:mysql://host:port/database url',
      '7 data source "ds_1" (from "ds_1.t_0") is not declared under dataSources',
    ]);
  });

  it('reads the ShardingSphere 4.x shardingRule layout too', () => {
    const legacy = [
      'dataSources:',
      '  ds0: { url: "jdbc:mysql://db1:3306/orders_0" }',
      '  ds1: { url: "jdbc:mysql://db1:3306/orders_1" }',
      'shardingRule:',
      '  tables:',
      '    t_order:',
      '      actualDataNodes: ds${0..1}.t_order${0..1}',
      '      tableStrategy: { inline: { shardingColumn: order_id, algorithmExpression: "t_order${order_id % 2}" } }',
      '  broadcastTables: [t_config]',
      '',
    ].join('\n');
    const result = importShardingSphere('legacy.yaml', legacy, { environment: 'prod' });
    expect(result.topology.tables).toEqual({
      t_order: { kind: 'sharded', actualDataNodes: 'orders_${0..1}.t_order${0..1}', tableStrategy: { shardingColumn: 'order_id', algorithmExpression: 't_order${order_id % 2}' } },
      t_config: { kind: 'broadcast' },
    });
    expect(result.topology.databases).toEqual({ orders_0: 'node1', orders_1: 'node1' });
  });
});

describe('import-shardingsphere keeps how rows are routed', () => {
  const PROXY = join(import.meta.dirname, 'fixtures', 'database-sharding.yaml');

  it('imports the proxy example: database strategy by user_id, table strategies by order_id, binding tables', () => {
    const result = importShardingSphere('database-sharding.yaml', readFileSync(PROXY, 'utf8'), { environment: 'prod' });
    expect(result.topology.defaultDatabaseStrategy).toEqual({ shardingColumn: 'user_id', algorithmExpression: 'demo_ds_${user_id % 2}' });
    expect(result.topology.defaultTableStrategy).toBeUndefined();
    expect(result.topology.tables.t_order).toEqual({
      kind: 'sharded',
      actualDataNodes: 'demo_ds_${0..1}.t_order_${0..1}',
      tableStrategy: { shardingColumn: 'order_id', algorithmExpression: 't_order_${order_id % 2}' },
    });
    expect(result.topology.bindingTables).toEqual([['t_order', 't_order_item']]);
    expect(result.notes.join('\n')).not.toMatch(/user_id/);

    const yaml = renderImportYaml(result, 'database-sharding.yaml');
    expect(yaml).not.toContain('proxy-pw');
    const topology = resolveTopology(parseConfig('shardship.yaml', `version: 1\n${yaml}`).migrate!, 'prod');
    expect(topology.tables.t_order_item!.shardingColumns).toEqual(['user_id', 'order_id']);
    expect(topology.bindingTables).toEqual([['t_order', 't_order_item']]);
    // The imported strategies route a row as the proxy would: user 43 -> ds_1, order 6 -> t_order_0.
    const routed = routeStatement(analyzeStatement('V1__x.sql', { number: 1, sql: 'INSERT INTO t_order (order_id, user_id) VALUES (6, 43)', line: 1 }), topology);
    expect([...routed].map(([db, list]) => `${db}.${list[0]!.physicalTable}`)).toEqual(['demo_ds_1.t_order_0']);
  });

  it('notes algorithms it cannot keep', () => {
    const text = readFileSync(PROXY, 'utf8').replace('      type: INLINE\n      props:\n        algorithm-expression: t_order_${order_id % 2}', '      type: HASH_MOD\n      props:\n        sharding-count: 2');
    const result = importShardingSphere('database-sharding.yaml', text, { environment: 'prod' });
    expect(result.notes).toContain('table t_order: tableStrategy algorithm t_order_inline is HASH_MOD, not INLINE: not imported (DML on it is refused until a strategy is declared)');
    // The column the lost strategy named is still one code must constrain.
    expect(result.topology.tables.t_order).toEqual({ kind: 'sharded', actualDataNodes: 'demo_ds_${0..1}.t_order_${0..1}', shardKey: 'order_id' });
  });
});
