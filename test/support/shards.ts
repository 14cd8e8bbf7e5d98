// The sharded fixture the migrate tests share: the topology YAML (2 nodes x 4 loan_N databases)
// and its schema on real MariaDB nodes (4 t_order shards per database + a broadcast t_config).
// The vitest lifecycle around it is useShardFixture in test/integration/migrate/exec-fixture.ts.
import { rootQuery, type ShardNode } from './mariadb.js';

/** Logical tables by name, as `migrate.environments.<env>.tables` entries (flow style, one line each). */
export const TOPOLOGY_TABLES = {
  // Rows route by user_id: database user_id % 4, table (user_id / 4) % 4.
  t_order:
    "{ kind: sharded, actualDataNodes: 'loan_${0..3}.t_order_${0..3}', shardKey: user_id, databaseStrategy: { shardingColumn: user_id, algorithmExpression: 'loan_${user_id % 4}' }, tableStrategy: { shardingColumn: user_id, algorithmExpression: 't_order_${user_id.intdiv(4) % 4}' } }",
  t_order_item:
    "{ kind: sharded, actualDataNodes: 'loan_${0..3}.t_order_item_${0..3}', shardKey: user_id, databaseStrategy: { shardingColumn: user_id, algorithmExpression: 'loan_${user_id % 4}' }, tableStrategy: { shardingColumn: user_id, algorithmExpression: 't_order_item_${user_id.intdiv(4) % 4}' } }",
  t_user: "{ kind: sharded, actualDataNodes: 'loan_${0..3}.t_user_${[0,1]}', shardKey: id }",
  t_config: '{ kind: broadcast }',
  t_region: '{ kind: broadcast }',
  t_audit: '{ kind: single, database: loan_0 }',
  t_report: '{ kind: single, database: loan_0 }',
} as const;
export type TopologyTable = keyof typeof TOPOLOGY_TABLES;

export interface TopologyYamlOptions {
  environment?: string;
  /** Extra `migrate:` keys, e.g. `lockWaitTimeout: 2s`. */
  migrate?: string[];
  /** Extra keys of the environment, e.g. `capacityBytes: 1073741824`. */
  environmentKeys?: string[];
  tables?: TopologyTable[];
}

/**
 * A shardship.yaml with one environment: nodes n1 (loan_0, loan_1) and n2 (loan_2, loan_3, node
 * concurrency 2), DSNs from SHARD_N1_DSN / SHARD_N2_DSN, and the chosen tables (default: all).
 */
export function topologyYaml(opts: TopologyYamlOptions = {}): string {
  const tables = opts.tables ?? (Object.keys(TOPOLOGY_TABLES) as TopologyTable[]);
  return [
    'version: 1',
    'migrate:',
    '  directory: migrations',
    ...(opts.migrate ?? []).map((l) => `  ${l}`),
    '  environments:',
    `    ${opts.environment ?? 'prod'}:`,
    ...(opts.environmentKeys ?? []).map((l) => `      ${l}`),
    '      nodes:',
    '        n1: { dsnEnv: SHARD_N1_DSN }',
    '        n2: { dsnEnv: SHARD_N2_DSN, concurrency: 2 }',
    '      databases:',
    '        loan_0: n1',
    '        loan_1: n1',
    '        loan_2: n2',
    '        loan_3: n2',
    '      tables:',
    ...tables.map((t) => `        ${t}: ${TOPOLOGY_TABLES[t]}`),
    '',
  ].join('\n');
}

export const SHARDS_PER_DB = 4;

export interface Fixture {
  nodes: ShardNode[];
  databases: { node: string; database: string }[];
  env: Record<string, string>;
  topologyNodes: Record<string, { dsnEnv: string }>;
}

/** Databases `<prefix>_0..` spread over the nodes in order, and each node's DSN under SHARD_<NAME>_DSN. */
export function fixture(nodes: ShardNode[], dbsPerNode = 2, prefix = 'loan'): Fixture {
  const databases = nodes.flatMap((n, i) => Array.from({ length: dbsPerNode }, (_, j) => ({ node: n.name, database: `${prefix}_${i * dbsPerNode + j}` })));
  const env: Record<string, string> = {};
  const topologyNodes: Record<string, { dsnEnv: string }> = {};
  for (const n of nodes) {
    env[`SHARD_${n.name.toUpperCase()}_DSN`] = n.dsn;
    topologyNodes[n.name] = { dsnEnv: `SHARD_${n.name.toUpperCase()}_DSN` };
  }
  return { nodes, databases, env, topologyNodes };
}

/** Drop and recreate every database with its t_order shards (rows each) and t_config. */
export async function resetSchema(f: Fixture, rows = 20): Promise<void> {
  await Promise.all(
    f.nodes.map(async (node) => {
      const sql: string[] = [];
      for (const db of f.databases.filter((d) => d.node === node.name)) {
        sql.push(`DROP DATABASE IF EXISTS ${db.database}`, `CREATE DATABASE ${db.database}`);
        for (let k = 0; k < SHARDS_PER_DB; k++) {
          sql.push(`CREATE TABLE ${db.database}.t_order_${k} (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
          if (rows > 0) {
            const values = Array.from({ length: rows }, (_, r) => `(${r + 1}, ${r % 97}, ${r}.50)`).join(',');
            sql.push(`INSERT INTO ${db.database}.t_order_${k} VALUES ${values}`);
          }
        }
        sql.push(`CREATE TABLE ${db.database}.t_config (k VARCHAR(64) NOT NULL PRIMARY KEY, v VARCHAR(255) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
      }
      await rootQuery(node, sql.join(';\n'));
    }),
  );
}

/** Columns of a physical table, in order, read from information_schema as root. */
export async function columns(node: ShardNode, database: string, table: string): Promise<string[]> {
  const rows = (await rootQuery(node, 'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [database, table])) as { c: string }[];
  return rows.map((r) => r.c);
}

/** Index names of a physical table. */
export async function indexes(node: ShardNode, database: string, table: string): Promise<string[]> {
  const rows = (await rootQuery(node, 'SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [database, table])) as { i: string }[];
  return rows.map((r) => r.i).sort();
}
