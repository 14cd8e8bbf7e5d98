// Wires the migrate core into the stage port: a plan (pull requests: no database is touched)
// or plan + apply on every physical shard of the environment.
import { actorLine, currentActor } from '../core/actor.js';
import { durationMs } from '../config/common.js';
import { applyMigrations, type DatabaseReport } from '../migrate/apply.js';
import { migrateSection, planMigrations } from '../migrate/plan.js';
import { resolveTopology } from '../migrate/topology.js';
import { createShardConnector } from '../mysql/pool.js';
import { onlineSchemaChangerFor } from '../pt-osc/pt-online-schema-change.js';
import type { ShardMigrationResult } from '../report/types.js';
import type { PipelineStages, WireOptions } from './stages.js';

export function migrateStage(opts: WireOptions): Pick<PipelineStages, 'migrate'> {
  return {
    migrate: async ({ environment, apply }) => {
      const plan = await planMigrations({ cwd: opts.repoDir, config: opts.config, environment });
      if (!apply) return { environment, plan };
      const migrate = migrateSection(opts.config);
      const topology = resolveTopology(migrate, environment);
      const connections = createShardConnector({
        environment,
        nodes: Object.fromEntries(topology.nodes.map((n) => [n.name, { dsnEnv: n.dsnEnv, concurrency: n.concurrency }])),
        env: opts.env,
        nodeConcurrency: migrate.nodeConcurrency,
        connectTimeoutMs: durationMs(opts.config.timeouts.mysqlConnect),
        queryTimeoutMs: durationMs(opts.config.timeouts.mysqlQuery),
      });
      try {
        const onlineSchemaChange = await onlineSchemaChangerFor(migrate, topology, opts.env);
        const run = await applyMigrations(plan, {
          ...(onlineSchemaChange ? { onlineSchemaChange } : {}),
          connections,
          config: migrate,
          nodeConcurrency: Object.fromEntries(topology.nodes.map((n) => [n.name, n.concurrency])),
          appliedBy: actorLine(currentActor(opts.env)),
        });
        return { environment, plan, results: run.databases.flatMap((db) => shardResults(db, plan.migrations.map((m) => m.version))) };
      } finally {
        await connections.end();
      }
    },
  };
}

/** One matrix cell per (database, migration version). */
export function shardResults(db: DatabaseReport, versions: string[]): ShardMigrationResult[] {
  const at = { node: db.target.node, database: db.target.database };
  return versions.map((version) => {
    const m = db.migrations.find((x) => x.version === version);
    if (m) {
      const status = m.action === 'applied' || m.action === 'resumed' ? 'applied' : m.action === 'skipped' ? 'skipped' : 'failed';
      return { ...at, version, status, ...(m.error ? { error: m.error } : {}) };
    }
    // The database stopped before this migration (failed, locked, unreachable) or had nothing to do.
    if (db.outcome === 'up-to-date' || db.outcome === 'applied') return { ...at, version, status: 'skipped' };
    return { ...at, version, status: db.outcome === 'skipped' ? 'skipped' : 'failed', ...(db.error ? { error: db.error } : {}) };
  });
}
