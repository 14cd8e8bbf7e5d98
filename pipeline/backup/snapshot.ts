// Pre-migration snapshots and `migrate undo`. Before `migrate apply` first touches a physical
// table that a destructive or lossy statement of the migration changes (the sql/destructive-drop
// and sql/lossy-column-change rules decide, waivers ignored), the table is copied inside its own
// database (`CREATE TABLE ... LIKE` + `INSERT ... SELECT`, on the apply's locked session) and
// registered under the migration version. The snapshot lives where any runner can reach it, and
// undo is a RENAME: seconds, not a restore.
import { createHash } from 'node:crypto';
import { CheckFailedError, UsageError } from '../core/errors.js';
import type { MigrateConfig } from '../config/migrate.js';
import { lintMigrations } from '../migrate/lint.js';
import type { MigrationFile } from '../migrate/migration-files.js';
import { compareVersions, HISTORY_TABLE, quoteIdentifier, readHistory } from '../migrate/history.js';
import { acquireDatabaseLock } from '../migrate/locks.js';
import type { MigrationPlan, PhysicalStatement, PlannedMigration } from '../migrate/plan-types.js';
import type { ShardConnection, ShardConnector, ShardTarget } from '../core/shards.js';
import { destructiveDrop } from '../../rules/sql/destructive-drop.js';
import { lossyColumnChange } from '../../rules/sql/lossy-column-change.js';
import { limiter, type Limits } from './limits.js';
import { SNAPSHOT_REGISTRY_TABLE, SNAPSHOT_TABLE_PREFIX } from './plan.js';
import { recordRestore } from './restore.js';

export type SnapshotMode = NonNullable<MigrateConfig['snapshotBefore']>;

/** `file:line` of every statement the destructive/lossy rules flag, waivers or not (a waiver allows the change, it does not make it reversible). */
export function destructiveStatements(files: readonly MigrationFile[]): Set<string> {
  const findings = lintMigrations(
    files.map((f) => ({ ...f, comments: [] })),
    { rules: [destructiveDrop, lossyColumnChange], settings: { [destructiveDrop.id]: 'error', [lossyColumnChange.id]: 'error' } },
  );
  return new Set(findings.map((f) => `${f.file}:${f.line}`));
}

/** Pure: the physical tables of one migration in one database to snapshot before they are first touched. */
export function tablesToSnapshot(mode: SnapshotMode, migration: PlannedMigration, statements: readonly PhysicalStatement[], destructive: ReadonlySet<string>): Set<string> {
  if (mode === 'never') return new Set();
  const chosen = mode === 'always' ? statements : statements.filter((st) => destructive.has(`${migration.file}:${st.sourceLine}`));
  return new Set(chosen.map((st) => st.physicalTable));
}

/** `_shardship_snap_<hash>`: short, unique per version and table, ignored by backups. */
export function snapshotTableName(version: string, table: string): string {
  return `${SNAPSHOT_TABLE_PREFIX}${createHash('sha256').update(`${version}\0${table}`).digest('hex').slice(0, 24)}`;
}

const CREATE_REGISTRY = `CREATE TABLE IF NOT EXISTS ${SNAPSHOT_REGISTRY_TABLE} (
  version VARCHAR(64) NOT NULL,
  physical_table VARCHAR(64) NOT NULL,
  snapshot_table VARCHAR(64) NULL,
  rows_copied BIGINT NOT NULL,
  duration_ms INT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (version, physical_table)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

interface RegistryRow {
  version: string;
  physical_table: string;
  snapshot_table: string | null;
  [k: string]: unknown;
}

async function tableExists(conn: ShardConnection, table: string): Promise<boolean> {
  const rows = await conn.query("SELECT 1 AS x FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'", [conn.target.database, table]);
  return rows.length > 0;
}

/**
 * Copy `table` (or record that it did not exist) for `version`, once: a resumed apply finds the
 * registry row and keeps the first snapshot, taken before the migration touched the table.
 */
export async function snapshotTable(conn: ShardConnection, version: string, table: string): Promise<{ taken: boolean; rows: number }> {
  await conn.execute(CREATE_REGISTRY);
  const [have] = await conn.query(`SELECT 1 AS x FROM ${SNAPSHOT_REGISTRY_TABLE} WHERE version = ? AND physical_table = ?`, [version, table]);
  if (have) return { taken: false, rows: 0 };
  const t0 = Date.now();
  if (!(await tableExists(conn, table))) {
    await conn.execute(`INSERT INTO ${SNAPSHOT_REGISTRY_TABLE} VALUES (?, ?, NULL, 0, 0, NOW(3))`, [version, table]);
    return { taken: true, rows: 0 };
  }
  const snap = snapshotTableName(version, table);
  await conn.execute(`DROP TABLE IF EXISTS ${quoteIdentifier(snap)}`);
  await conn.execute(`CREATE TABLE ${quoteIdentifier(snap)} LIKE ${quoteIdentifier(table)}`);
  const { affectedRows } = await conn.execute(`INSERT INTO ${quoteIdentifier(snap)} SELECT * FROM ${quoteIdentifier(table)}`);
  await conn.execute(`INSERT INTO ${SNAPSHOT_REGISTRY_TABLE} VALUES (?, ?, ?, ?, ?, NOW(3))`, [version, table, snap, affectedRows, Date.now() - t0]);
  return { taken: true, rows: affectedRows };
}

/** The `beforeStatement` port of `migrate apply`: snapshot each chosen table before its first statement. */
export function snapshotHook(mode: SnapshotMode, files: readonly MigrationFile[]): ((conn: ShardConnection, m: PlannedMigration, st: PhysicalStatement, all: readonly PhysicalStatement[]) => Promise<void>) | undefined {
  if (mode === 'never') return undefined;
  const destructive = destructiveStatements(files);
  const chosen = new Map<string, Set<string>>();
  return async (conn, migration, st, all) => {
    const key = `${conn.target.database}\0${migration.version}`;
    let tables = chosen.get(key);
    if (!tables) chosen.set(key, (tables = tablesToSnapshot(mode, migration, all, destructive)));
    if (tables.has(st.physicalTable)) await snapshotTable(conn, migration.version, st.physicalTable);
  };
}

export type UndoOutcome = 'undone' | 'not-applied' | 'refused' | 'failed';

export interface DatabaseUndoReport {
  target: ShardTarget;
  outcome: UndoOutcome;
  tables: string[];
  durationMs: number;
  error?: string;
}

export interface UndoRun {
  version: string;
  ok: boolean;
  databases: DatabaseUndoReport[];
  durationMs: number;
}

export interface UndoOptions {
  connections: ShardConnector;
  limits: Limits;
  lockTimeoutSeconds: number;
  undoneBy: string;
}

interface UndoCheck {
  target: ShardTarget;
  applied: boolean;
  refusal?: string;
  snapshots: RegistryRow[];
}

async function checkUndo(conn: ShardConnection, plan: MigrationPlan, version: string): Promise<UndoCheck> {
  const target = conn.target;
  const history = (await readHistory(conn)) ?? [];
  const row = history.find((r) => r.version === version);
  if (!row) return { target, applied: false, snapshots: [] };
  const later = history.filter((r) => compareVersions(r.version, version) > 0).map((r) => `V${r.version}`);
  if (later.length) return { target, applied: true, snapshots: [], refusal: `${target.database}: ${later.join(', ')} ran after V${version} and may depend on it: undo ${later.length > 1 ? 'them' : 'it'} first` };
  if (row.state === 'running') return { target, applied: true, snapshots: [], refusal: `${target.database}: V${version} is running (or its runner died): let it finish, or run \`shardship migrate apply\` to settle it` };
  const snapshots = await conn.query<RegistryRow>(`SELECT version, physical_table, snapshot_table FROM ${SNAPSHOT_REGISTRY_TABLE} WHERE version = ?`, [version]).catch((e: { kind?: string }) => {
    if (e.kind === 'no-such-table') return [] as RegistryRow[];
    throw e;
  });
  const touched = new Set(plan.databases.find((d) => d.target.database === target.database)?.migrations.find((m) => m.migration.version === version)?.statements.map((s) => s.physicalTable) ?? []);
  // A migration with no statement here (a single table elsewhere) left only its history row.
  if (touched.size === 0) return { target, applied: true, snapshots };
  if (snapshots.length === 0) {
    return { target, applied: true, snapshots, refusal: `${target.database}: no snapshot of V${version} (migrate.snapshotBefore was never, or the migration ran before snapshots existed)` };
  }
  const have = new Set(snapshots.map((s) => s.physical_table));
  const bare = [...touched].filter((t) => !have.has(t));
  if (bare.length) {
    return { target, applied: true, snapshots, refusal: `${target.database}: V${version} also changed ${bare.join(', ')}, which has no snapshot (migrate.snapshotBefore: destructive snapshots only destructive changes): undo would leave ${bare.length > 1 ? 'them' : 'it'} changed; set snapshotBefore: always for migrations you want to undo whole` };
  }
  return { target, applied: true, snapshots };
}

/**
 * Put back every table V`version` snapshotted and remove its history row, on every database,
 * or change nothing: all databases are checked first.
 */
export async function undoMigration(plan: MigrationPlan, version: string, opts: UndoOptions): Promise<UndoRun> {
  const started = Date.now();
  const run = limiter(opts.limits);
  const checks = await Promise.all(
    plan.databases.map((d) =>
      run(d.target.node, async () => {
        const conn = await opts.connections.connect(d.target);
        try {
          return await checkUndo(conn, plan, version);
        } finally {
          await conn.close();
        }
      }),
    ),
  );
  if (!checks.some((c) => c.applied)) throw new UsageError(`V${version} is not applied on any database of ${plan.environment}: nothing to undo`);
  const refusals = checks.filter((c) => c.refusal).map((c) => c.refusal!);
  if (refusals.length) throw new CheckFailedError(`cannot undo V${version}; nothing was changed:\n${refusals.map((r) => `  - ${r}`).join('\n')}`);

  const databases = await Promise.all(
    checks.map((c) =>
      run(c.target.node, async (): Promise<DatabaseUndoReport> => {
        const t0 = Date.now();
        const tables = c.snapshots.map((s) => s.physical_table);
        if (!c.applied) return { target: c.target, outcome: 'not-applied', tables: [], durationMs: 0 };
        const conn = await opts.connections.connect(c.target);
        try {
          const lock = await acquireDatabaseLock(conn, opts.lockTimeoutSeconds);
          if (!lock.acquired) return { target: c.target, outcome: 'refused', tables, durationMs: Date.now() - t0, error: lock.message };
          // Re-checked under the lock: an apply may have finished a later migration meanwhile.
          const again = await checkUndo(conn, plan, version);
          if (again.refusal) return { target: c.target, outcome: 'refused', tables, durationMs: Date.now() - t0, error: again.refusal };
          for (const s of again.snapshots) {
            const t = quoteIdentifier(s.physical_table);
            if (s.snapshot_table === null) {
              await conn.execute(`DROP TABLE IF EXISTS ${t}`);
              continue;
            }
            const snap = quoteIdentifier(s.snapshot_table);
            if (await tableExists(conn, s.physical_table)) {
              const old = quoteIdentifier(`${SNAPSHOT_TABLE_PREFIX}old_${s.snapshot_table.slice(-16)}`);
              // One RENAME swaps both names atomically: readers never see the table missing.
              await conn.execute(`RENAME TABLE ${t} TO ${old}, ${snap} TO ${t}`);
              await conn.execute(`DROP TABLE ${old}`);
            } else await conn.execute(`RENAME TABLE ${snap} TO ${t}`);
          }
          await conn.execute(`DELETE FROM ${HISTORY_TABLE} WHERE version = ?`, [version]);
          if (again.snapshots.length) await conn.execute(`DELETE FROM ${SNAPSHOT_REGISTRY_TABLE} WHERE version = ?`, [version]);
          await recordRestore(conn, { action: 'undo', backupId: `snapshot V${version}`, tables, by: opts.undoneBy, ok: true });
          return { target: c.target, outcome: 'undone', tables, durationMs: Date.now() - t0 };
        } catch (e) {
          return { target: c.target, outcome: 'failed', tables, durationMs: Date.now() - t0, error: e instanceof Error ? e.message : String(e) };
        } finally {
          await conn.close();
        }
      }),
    ),
  );
  return { version, ok: databases.every((d) => d.outcome === 'undone' || d.outcome === 'not-applied'), databases, durationMs: Date.now() - started };
}
