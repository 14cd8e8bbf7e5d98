// Wires the migrate core into the stage port: a plan (pull requests: no database is touched)
// or plan + apply on every physical shard of the environment.
import { applyMigrations, type DatabaseReport } from '../migrate/apply.js';
import type { ShardMigrationResult } from '../report/types.js';
import { openMigrateSession } from '../session/migrate.js';
import type { PipelineStages, WireOptions } from './stages.js';

export function migrateStage(opts: WireOptions): Pick<PipelineStages, 'migrate'> {
  return {
    migrate: async ({ environment, apply }) => {
      const session = openMigrateSession({ cwd: opts.repoDir, config: opts.config, ...(opts.source ? { source: opts.source } : {}), environment, env: opts.env });
      const plan = await session.plan();
      if (!apply) return { environment, plan };
      const connections = await session.connect();
      try {
        const run = await applyMigrations(plan, await session.applyOptions(connections));
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
