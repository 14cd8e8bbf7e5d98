// The sharded fixture of test/support/shards.ts (2 nodes x 2 databases x 4 t_order shards, a
// broadcast t_config; re-exported here) on real MariaDB nodes with its vitest lifecycle, hand-built
// MigrationPlans (the executor's input, independent of the planner) and schema probes.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createShardConnector } from '../../../pipeline/mysql/pool.js';
import type { ShardConnector } from '../../../pipeline/core/shards.js';
import type { ExecutorConfig } from '../../../pipeline/migrate/apply.js';
import type { DatabasePlan, MigrationPlan, PhysicalStatement, PlannedMigration } from '../../../pipeline/migrate/plan-types.js';
import { rootQuery, startShardNodes, type ShardNode, type ShardNodes } from '../../support/mariadb.js';
import { fixture, resetSchema, SHARDS_PER_DB, type Fixture } from '../../support/shards.js';

export { fixture, resetSchema, SHARDS_PER_DB, type Fixture } from '../../support/shards.js';

export interface ShardFixtureOptions {
  /** MariaDB nodes to start (default 2: n1, n2). */
  nodes?: number;
  /** When to recreate the schema: before each test (default) or once after the nodes start. */
  reset?: 'each' | 'once';
  /** Start any node a previous test stopped before resetting (recovery tests kill nodes). */
  restartStopped?: boolean;
}

/** The file's Fixture (readable once beforeAll has run), plus the nodes themselves (stop/start). */
export interface ShardFixture extends Fixture {
  readonly shards: ShardNodes;
}

/**
 * Registers the file's lifecycle: start real MariaDB nodes beforeAll, stop them afterAll, and
 * recreate the schema before each test (or once). The result is a Fixture whose fields are read
 * lazily, so `const f = useShardFixture()` at file level passes to handPlan/connector as is.
 */
export function useShardFixture(opts: ShardFixtureOptions = {}): ShardFixture {
  let shards: ShardNodes | undefined;
  let f: Fixture | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useShardFixture: the fixture is ready only inside tests and hooks (after beforeAll)');
    return value;
  };
  beforeAll(async () => {
    shards = await startShardNodes(opts.nodes ?? 2);
    f = fixture(shards.nodes);
    if (opts.reset === 'once') await resetSchema(f);
  });
  afterAll(async () => {
    await shards?.stopAll();
  });
  if (opts.reset !== 'once') {
    beforeEach(async () => {
      if (opts.restartStopped) for (const n of ready(shards).nodes) await n.start(); // a no-op for a running node
      await resetSchema(ready(f));
    });
  }
  return {
    get shards() {
      return ready(shards);
    },
    get nodes() {
      return ready(f).nodes;
    },
    get databases() {
      return ready(f).databases;
    },
    get env() {
      return ready(f).env;
    },
    get topologyNodes() {
      return ready(f).topologyNodes;
    },
  };
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


export async function historyRows(node: ShardNode, database: string): Promise<{ version: string; state: string; statements_done: number; statement_count: number; checksum: string }[]> {
  return (await rootQuery(node, `SELECT version, state, statements_done, statement_count, checksum FROM ${database}.shardship_schema_history ORDER BY version`)) as never;
}
