// `migrate status`: migration × database matrix from each database's history, plus its size
// against the capacity cap. Reading is I/O; the matrix and its verdict are plain data.
import pLimit from 'p-limit';
import type { ShardConnection, ShardConnector, ShardTarget } from '../core/shards.js';
import { capacityVerdict, databaseSizeBytes, type CapacityVerdict } from './capacity.js';
import { readHistory } from './history.js';
import type { MigrationPlan } from './plan-types.js';

export type CellState = 'success' | 'failed' | 'running' | 'pending' | 'changed' | 'unknown';

export interface DatabaseStatus {
  target: ShardTarget;
  reachable: boolean;
  error?: string;
  /** version -> state */
  states: Record<string, CellState>;
  /** Progress of a failed/running migration: statements done of total. */
  progress: Record<string, { done: number; total: number; error: string | null }>;
  /** Versions in the history that no migration file has any more. */
  unknownVersions: string[];
  capacity?: CapacityVerdict;
}

export interface StatusReport {
  environment: string;
  versions: string[];
  databases: DatabaseStatus[];
  ok: boolean;
  problems: string[];
}

export async function migrationStatus(plan: MigrationPlan, opts: { connections: ShardConnector; capacityBytes?: number; concurrency?: number }): Promise<StatusReport> {
  const versions = plan.migrations.map((m) => m.version);
  const limit = pLimit(opts.concurrency ?? 8);
  const databases = await Promise.all(
    plan.databases.map((db) =>
      limit(async (): Promise<DatabaseStatus> => {
        const st: DatabaseStatus = { target: db.target, reachable: true, states: {}, progress: {}, unknownVersions: [] };
        let conn: ShardConnection | undefined;
        try {
          conn = await opts.connections.connect(db.target);
          const rows = (await readHistory(conn)) ?? [];
          const byVersion = new Map(rows.map((r) => [r.version, r]));
          for (const m of plan.migrations) {
            const r = byVersion.get(m.version);
            st.states[m.version] = !r ? 'pending' : r.checksum !== m.checksum ? 'changed' : r.state;
            if (r && r.state !== 'success') st.progress[m.version] = { done: r.statementsDone, total: r.statementCount, error: r.error };
          }
          st.unknownVersions = rows.map((r) => r.version).filter((v) => !versions.includes(v));
          st.capacity = capacityVerdict(await databaseSizeBytes(conn), opts.capacityBytes);
        } catch (e) {
          st.reachable = false;
          st.error = e instanceof Error ? e.message : String(e);
          for (const v of versions) st.states[v] = 'unknown';
        } finally {
          await conn?.close();
        }
        return st;
      }),
    ),
  );
  const problems = statusProblems(databases);
  return { environment: plan.environment, versions, databases, ok: problems.length === 0, problems };
}

/** What makes `status` a failed check. Pure. Pending migrations are not a failure. */
export function statusProblems(dbs: DatabaseStatus[]): string[] {
  const out: string[] = [];
  for (const d of dbs) {
    const where = `${d.target.node}/${d.target.database}`;
    if (!d.reachable) out.push(`${where}: unreachable: ${d.error ?? ''}`);
    for (const [v, s] of Object.entries(d.states)) {
      if (s === 'failed' || s === 'running') out.push(`${where}: V${v} ${s} at statement ${(d.progress[v]?.done ?? 0) + 1}/${d.progress[v]?.total ?? '?'}`);
      if (s === 'changed') out.push(`${where}: V${v} file changed after it was applied (checksum)`);
    }
    if (d.capacity?.over) out.push(`${where}: ${d.capacity.bytes} bytes is over the cap of ${d.capacity.capBytes} bytes: split or move data before it grows`);
  }
  return out;
}
