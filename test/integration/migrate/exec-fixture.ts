// A small sharded fixture on real MariaDB nodes: 2 nodes x 2 databases x 4 t_order shards, a
// broadcast t_config, and hand-built MigrationPlans (the executor's input), independent of the planner.
import { createHash } from 'node:crypto';
import { createShardConnector } from '../../../pipeline/mysql/pool.js';
import type { ShardConnector } from '../../../pipeline/mysql/types.js';
import type { ExecutorConfig } from '../../../pipeline/migrate/apply.js';
import type { DatabasePlan, MigrationPlan, PhysicalStatement, PlannedMigration } from '../../../pipeline/migrate/plan-types.js';
import { rootQuery, type ShardNode } from '../../support/mariadb.js';

export const SHARDS_PER_DB = 4;

export interface Fixture {
  nodes: ShardNode[];
  databases: { node: string; database: string }[];
  env: Record<string, string>;
  topologyNodes: Record<string, { dsnEnv: string }>;
}

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

export interface HandMigration {
  version: string;
  description: string;
  /** Statements on logical tables t_order (sharded) and t_config (broadcast). */
  statements: string[];
  /** Changes the checksum without changing statements (an "edited" file). */
  salt?: string;
}

export function planned(m: HandMigration): PlannedMigration {
  return {
    version: m.version,
    description: m.description,
    file: `migrations/V${m.version}__${m.description}.sql`,
    checksum: createHash('sha256').update(m.statements.join(';\n') + (m.salt ?? '')).digest('hex'),
  };
}

/** Expand statements to physical ones the way the planner does: t_order -> t_order_0..3, t_config as is. */
export function handPlan(f: Fixture, migrations: HandMigration[], environment = 'test'): MigrationPlan {
  const databases: DatabasePlan[] = f.databases.map((target) => ({
    target,
    migrations: migrations.map((m) => {
      const statements: PhysicalStatement[] = [];
      m.statements.forEach((sql, s) => {
        const kind = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql) ? 'dml' : 'ddl';
        const sharded = /\b(t_order(?:_item)?)\b/.exec(sql)?.[1];
        if (sharded) {
          for (let k = 0; k < SHARDS_PER_DB; k++) {
            const physicalTable = `${sharded}_${k}`;
            statements.push({ index: statements.length, sql: sql.replace(new RegExp(`\\b${sharded}\\b`, 'g'), physicalTable), logicalTable: sharded, physicalTable, sourceStatement: s + 1, sourceLine: s + 1, kind });
          }
        } else {
          const table = /\b(t_[a-z_]+)\b/.exec(sql)?.[1] ?? 't_config';
          statements.push({ index: statements.length, sql, logicalTable: table, physicalTable: table, sourceStatement: s + 1, sourceLine: s + 1, kind });
        }
      });
      return { migration: planned(m), statements };
    }),
  }));
  return { environment, migrations: migrations.map(planned), databases, findings: [] };
}

export function connector(f: Fixture, nodeConcurrency = 4, env: Record<string, string> = f.env): ShardConnector {
  return createShardConnector({ environment: 'test', nodes: f.topologyNodes, env, nodeConcurrency, connectTimeoutMs: 3000 });
}

export const execConfig = (over: Partial<ExecutorConfig> = {}): ExecutorConfig => ({
  concurrency: 8,
  nodeConcurrency: 4,
  lockWaitTimeout: '5s',
  lockRetries: 3,
  allowCopyAlter: false,
  ...over,
});

export async function columns(node: ShardNode, database: string, table: string): Promise<string[]> {
  const rows = (await rootQuery(node, 'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [database, table])) as { c: string }[];
  return rows.map((r) => r.c);
}

export async function indexes(node: ShardNode, database: string, table: string): Promise<string[]> {
  const rows = (await rootQuery(node, 'SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [database, table])) as { i: string }[];
  return rows.map((r) => r.i).sort();
}

export async function historyRows(node: ShardNode, database: string): Promise<{ version: string; state: string; statements_done: number; statement_count: number; checksum: string }[]> {
  return (await rootQuery(node, `SELECT version, state, statements_done, statement_count, checksum FROM ${database}.shardship_schema_history ORDER BY version`)) as never;
}
