import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../../pipeline/config/load.js';
import { MigrateConfig } from '../../../pipeline/config/migrate.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { exportShardingSphere, placementOf, type ProxyDataSource } from '../../../pipeline/migrate/shardingsphere-export.js';
import { importShardingSphere } from '../../../pipeline/migrate/shardingsphere.js';
import { resolveTopology, type Topology } from '../../../pipeline/migrate/topology.js';
import { topologyYaml } from '../../support/shards.js';
import { sampleTopology } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** One data source per database; the host is the node, so the importer groups databases as the topology does. */
function dataSources(t: Topology): Record<string, ProxyDataSource> {
  return Object.fromEntries(t.databases.map((d) => [d.database, { url: `jdbc:mysql://${d.node}.shards.local:3306/${d.database}`, usernameEnv: 'SHARD_USER', passwordEnv: 'SHARD_PASSWORD' }]));
}

function roundTrip(t: Topology): Topology {
  const { databaseShardingYaml } = exportShardingSphere(t, { databaseName: 'app', dataSources: dataSources(t) });
  const imported = importShardingSphere('database-sharding.yaml', databaseShardingYaml, { environment: t.environment });
  return resolveTopology(MigrateConfig.parse({ environments: { [t.environment]: imported.topology } }), t.environment);
}

describe('export-shardingsphere', () => {
  it('round-trips the example service topology (a shard key and no strategy: routed by MOD on the proxy)', () => {
    const config = parseConfig('shardship.yaml', readFileSync(join(ROOT, 'examples/loan-service/shardship.yaml'), 'utf8'));
    const t = resolveTopology(config.migrate!, 'production');
    const out = exportShardingSphere(t, { databaseName: 'loans', dataSources: dataSources(t) });
    const doc = parse(out.databaseShardingYaml, { customTags: ['SHARDING', 'BROADCAST', 'SINGLE'].map((n) => ({ tag: `!${n}`, collection: 'map' as const, resolve: (v: unknown) => v })) }) as {
      rules: { tables: unknown; shardingAlgorithms?: Record<string, unknown> }[];
    };
    expect(doc.rules[0]!.shardingAlgorithms).toEqual({ t_loan_database_mod: { type: 'MOD', props: { 'sharding-count': 4 } }, t_loan_table_mod: { type: 'MOD', props: { 'sharding-count': 4 } } });
    expect(out.databaseShardingYaml).toContain('actualDataNodes: loan_${0..3}.t_loan_${0..3}');
    expect(out.databaseShardingYaml).toMatch(/- !BROADCAST\n\s+tables:\n\s+- t_product/);
    expect(out.databaseShardingYaml).toMatch(/- !SINGLE\n\s+tables:\n\s+- loan_0.t_audit/);
    expect(placementOf(roundTrip(t))).toEqual(placementOf(t));
  });

  it('round-trips strategies, defaults and binding tables (the sample topology)', () => {
    const yaml = topologyYaml({ environment: 'prod', environmentKeys: ['bindingTables: [[t_order, t_order_item]]'] });
    const t = resolveTopology(parseConfig('shardship.yaml', yaml).migrate!, 'prod');
    expect(Object.values(t.tables).some((x) => x.databaseStrategy || x.tableStrategy)).toBe(true);
    expect(t.bindingTables.length).toBeGreaterThan(0);
    expect(placementOf(roundTrip(t))).toEqual(placementOf(t));
  });

  it("round-trips ShardingSphere's own example shape (default database strategy, binding tables)", () => {
    const text = readFileSync(join(ROOT, 'test/unit/migrate/fixtures/database-sharding.yaml'), 'utf8');
    const imported = importShardingSphere('database-sharding.yaml', text, { environment: 'prod' });
    const t = resolveTopology(MigrateConfig.parse({ environments: { prod: imported.topology } }), 'prod');
    const out = exportShardingSphere(t, { databaseName: 'sharding_db', dataSources: dataSources(t) });
    // Every sharded table shares the database strategy: written once, as the default.
    expect(out.databaseShardingYaml).toMatch(/defaultDatabaseStrategy:\n\s+standard:\n\s+shardingColumn: user_id\n\s+shardingAlgorithmName: default_database_inline/);
    expect(out.databaseShardingYaml).toContain('algorithm-expression: demo_ds_${user_id % 2}');
    expect(out.databaseShardingYaml).toMatch(/bindingTables:\n\s+- t_order,t_order_item/);
    expect(placementOf(roundTrip(t))).toEqual(placementOf(t));
  });

  it('keeps credentials out: user and password are single-quoted placeholders of env var names', () => {
    const t = sampleTopology();
    const out = exportShardingSphere(t, { databaseName: 'app', dataSources: dataSources(t) });
    expect(out.databaseShardingYaml).toContain("username: '$${SHARD_USER::}'");
    expect(out.databaseShardingYaml).toContain("password: '$${SHARD_PASSWORD::}'");
    expect(out.globalYaml).toContain("password: '$${SHARDSHIP_PROXY_PASSWORD::}'");
    expect(parse(out.globalYaml)).toMatchObject({ authority: { privilege: { type: 'ALL_PERMITTED' } }, mode: { type: 'Standalone' } });
  });

  it('refuses names ShardingSphere expressions cannot carry, a missing data source and a url naming another database', () => {
    const t = sampleTopology();
    const [first] = t.databases;
    const renamed: Topology = { ...t, tables: { ...t.tables, 'a.b': { name: 'a.b', kind: 'single', physical: [{ ...first!, physicalTable: 'a.b' }] } } };
    expect(() => exportShardingSphere(renamed, { databaseName: 'app', dataSources: dataSources(t) })).toThrow(/table "a\.b" cannot be written into a ShardingSphere rule/);
    const { [first!.database]: _dropped, ...missing } = dataSources(t);
    expect(() => exportShardingSphere(t, { databaseName: 'app', dataSources: missing })).toThrow(ConfigError);
    const wrong = { ...dataSources(t), [first!.database]: { url: 'jdbc:mysql://h:3306/other' } };
    expect(() => exportShardingSphere(t, { databaseName: 'app', dataSources: wrong })).toThrow(/does not name database/);
  });

  it('quotes hostile logical names and the database name so YAML reads them back as written', () => {
    const t = sampleTopology();
    const names = ['#x', '!tag', '-y', 'a:b', '&anchor', '*ref', '?q', 'yes', '007', 'null', '@at', '|pipe', '>fold', '%pct', '\u202eevil'];
    const tables = Object.fromEntries(names.map((n) => [n, { name: n, kind: 'broadcast' as const, physical: t.databases.map((d) => ({ ...d, physicalTable: n })) }]));
    const hostile: Topology = { ...t, tables: { ...t.tables, ...tables } };
    const out = exportShardingSphere(hostile, { databaseName: "db: 'x' # y", dataSources: dataSources(t) });
    expect((parse(out.databaseShardingYaml, { customTags: [{ tag: '!SHARDING', collection: 'map', resolve: (v: unknown) => v }, { tag: '!BROADCAST', collection: 'map', resolve: (v: unknown) => v }, { tag: '!SINGLE', collection: 'map', resolve: (v: unknown) => v }] }) as { databaseName: string }).databaseName).toBe("db: 'x' # y");
    expect(placementOf(roundTrip(hostile))).toEqual(placementOf(hostile));
  });

  it('routes an unrouted table by MOD only over shards numbered from 0 whose prefix ends in no digit (how ShardingSphere finds the target)', () => {
    const layout = (dataNodes: string): Topology =>
      resolveTopology(
        MigrateConfig.parse({ environments: { e: { nodes: { n: { dsnEnv: 'N_DSN' } }, databases: { x00: 'n', x01: 'n', s_0: 'n', s_1: 'n' }, tables: { t: { kind: 'sharded', actualDataNodes: dataNodes, shardKey: 'k' } } } } }),
        'e',
      );
    const modded = exportShardingSphere(layout('s_${0..1}.t_${0..1}'), { databaseName: 'd', dataSources: dataSources(layout('s_0.t')) });
    expect(modded.databaseShardingYaml).toContain('type: MOD');
    // x00, x01: ShardingSphere would look for x + (k % 2) = x0, x1.
    const padded = exportShardingSphere(layout('x0${0..1}.t'), { databaseName: 'd', dataSources: dataSources(layout('s_0.t')) });
    expect(padded.databaseShardingYaml).not.toContain('type: MOD');
    expect(padded.databaseShardingYaml).toContain('# NOTE: t: no strategy in the topology and no numbered shards to route to; ShardingSphere sends its statements to every shard');
    expect(padded.databaseShardingYaml).toContain('actualDataNodes: x0${0..1}.t');
  });
});
