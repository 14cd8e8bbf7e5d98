// The history table in every physical database (Flyway-style, one row per migration) and the
// pure decision of what to do with each planned migration given that row.
import type { ShardConnection, ShardConnector, ShardTarget } from '../core/shards.js';
import type { PlannedMigration } from './plan-types.js';
import { compareVersions } from './migration-files.js';

// One version order for the whole project (Flyway: 1 < 1.1 < 1.10 < 2), defined with the file names.
export { compareVersions };

export const HISTORY_TABLE = 'shardship_schema_history';

export type HistoryState = 'running' | 'success' | 'failed';

export interface HistoryRow {
  version: string;
  description: string;
  checksum: string;
  statementCount: number;
  statementsDone: number;
  state: HistoryState;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  appliedBy: string;
  error: string | null;
}

const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
  version VARCHAR(64) NOT NULL,
  description VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  statement_count INT NOT NULL,
  statements_done INT NOT NULL DEFAULT 0,
  state ENUM('running','success','failed') NOT NULL,
  started_at DATETIME(3) NOT NULL,
  finished_at DATETIME(3) NULL,
  duration_ms INT NULL,
  applied_by VARCHAR(255) NOT NULL,
  error TEXT NULL,
  PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

interface RawRow {
  version: string;
  description: string;
  checksum: string;
  statement_count: number;
  statements_done: number;
  state: HistoryState;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  applied_by: string;
  error: string | null;
  [k: string]: unknown;
}

/** Read the history, or `undefined` when the table does not exist yet (saves a CREATE per run). */
export async function readHistory(conn: ShardConnection): Promise<HistoryRow[] | undefined> {
  try {
    const rows = await conn.query<RawRow>(`SELECT * FROM ${HISTORY_TABLE}`);
    return rows.map((r) => ({
      version: r.version,
      description: r.description,
      checksum: r.checksum,
      statementCount: Number(r.statement_count),
      statementsDone: Number(r.statements_done),
      state: r.state,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
      appliedBy: r.applied_by,
      error: r.error,
    }));
  } catch (e) {
    if ((e as { kind?: string }).kind === 'no-such-table') return undefined;
    throw e;
  }
}

/** database -> the versions its history records as applied (none when it has no history yet). */
export async function readAppliedVersions(connections: ShardConnector, databases: readonly ShardTarget[]): Promise<Map<string, Set<string>>> {
  const applied = new Map<string, Set<string>>();
  await Promise.all(
    databases.map(async (target) => {
      const conn = await connections.connect(target);
      try {
        applied.set(target.database, new Set(((await readHistory(conn)) ?? []).filter((r) => r.state === 'success').map((r) => r.version)));
      } finally {
        await conn.close();
      }
    }),
  );
  return applied;
}

export async function ensureHistoryTable(conn: ShardConnection): Promise<void> {
  await conn.execute(CREATE_HISTORY);
}

/** Insert (or take over a failed/stale row, keeping its progress) as `running`. */
export async function markRunning(conn: ShardConnection, m: PlannedMigration, statementCount: number, appliedBy: string): Promise<void> {
  await conn.execute(
    `INSERT INTO ${HISTORY_TABLE} (version, description, checksum, statement_count, statements_done, state, started_at, applied_by)
     VALUES (?, ?, ?, ?, 0, 'running', NOW(3), ?)
     ON DUPLICATE KEY UPDATE state = 'running', error = NULL, finished_at = NULL, applied_by = VALUES(applied_by), started_at = NOW(3)`,
    [m.version, m.description.slice(0, 255), m.checksum, statementCount, appliedBy.slice(0, 255)],
  );
}

export const progressSql = `UPDATE ${HISTORY_TABLE} SET statements_done = ? WHERE version = ?`;

export async function markFinished(
  conn: ShardConnection,
  version: string,
  outcome: { state: 'success' | 'failed'; done: number; durationMs: number; error?: string },
): Promise<void> {
  await conn.execute(`UPDATE ${HISTORY_TABLE} SET state = ?, statements_done = ?, finished_at = NOW(3), duration_ms = ?, error = ? WHERE version = ?`, [
    outcome.state,
    outcome.done,
    Math.round(outcome.durationMs),
    outcome.error?.slice(0, 4000) ?? null,
    version,
  ]);
}

export type MigrationAction =
  | { kind: 'skip' }
  | { kind: 'run'; from: 0 }
  /** Resume a failed or interrupted run: statement `from` may have half-run; check its effect first. */
  | { kind: 'resume'; from: number; previous: HistoryRow }
  | { kind: 'refuse'; reason: string };

/** What to do with one planned migration in one database, given its history row. Pure. */
export function decideMigration(m: PlannedMigration, statementCount: number, row: HistoryRow | undefined): MigrationAction {
  if (!row) return { kind: 'run', from: 0 };
  if (row.checksum !== m.checksum) {
    return {
      kind: 'refuse',
      reason: `V${m.version} was ${row.state === 'success' ? 'applied' : 'started'} with checksum ${row.checksum.slice(0, 12)} but ${m.file} now has ${m.checksum.slice(0, 12)}: applied migrations are immutable; add a new migration, or run \`shardship migrate repair\` if the edit is deliberate`,
    };
  }
  if (row.state === 'success') return { kind: 'skip' };
  if (row.statementCount !== statementCount) {
    return {
      kind: 'refuse',
      reason: `V${m.version} was started with ${row.statementCount} statements but the plan now has ${statementCount} (topology changed?): finish or clear it with \`shardship migrate repair\` first`,
    };
  }
  return { kind: 'resume', from: row.statementsDone, previous: row };
}

export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}
