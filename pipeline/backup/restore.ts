// Restore: exactly the databases and tables asked for, in parallel under the limits. Nothing
// touches a target before every file to load has matched its sha256 and every target has been
// checked for data; each restored table's CHECKSUM TABLE is compared with the manifest after,
// and each database's shardship_backup_history records the restore.
import { join } from 'node:path';
import { CheckFailedError, UsageError } from '../core/errors.js';
import { quoteIdentifier } from '../migrate/history.js';
import { acquireDatabaseLock } from '../migrate/locks.js';
import type { ShardConnection, ShardConnector, ShardTarget } from '../core/shards.js';
import type { Topology } from '../migrate/topology.js';
import { checkFiles, filesFor, stageFiles } from './files.js';
import { interleave, limiter, type Limits } from './limits.js';
import type { BackupManifest, DatabaseEntry } from './manifest.js';
import { BACKUP_HISTORY_TABLE, diffTopology, topologySnapshot } from './plan.js';
import type { LogicalDumper, NodeAccess } from './ports.js';
import { tableRecords } from './tables.js';

export interface RestoreSelection {
  entry: DatabaseEntry;
  /** Where it goes now (the database's node in today's topology). */
  target: ShardTarget;
  /** Physical tables to restore; null: the whole database. */
  tables: string[] | null;
}

export interface RestoreRequest {
  databases?: string[];
  /** Logical table names (every physical copy in the chosen databases) or physical table names. */
  tables?: string[];
}

/** Pure: which databases and tables of the backup a restore takes, and where they go. */
export function selectRestore(manifest: BackupManifest, topology: Topology, req: RestoreRequest): RestoreSelection[] {
  const known = new Set(manifest.databases.map((d) => d.database));
  const unknownDbs = (req.databases ?? []).filter((d) => !known.has(d));
  if (unknownDbs.length) throw new UsageError(`backup ${manifest.id} has no database ${unknownDbs.join(', ')}`, { hint: `it holds ${[...known].join(', ')}` });
  const nodeNow = new Map(topology.databases.map((d) => [d.database, d.node]));
  const entries = manifest.databases.filter((d) => !req.databases?.length || req.databases.includes(d.database));
  const wanted = new Map<string, Set<string>>();
  if (req.tables?.length) {
    const unknown: string[] = [];
    for (const name of req.tables) {
      const logical = manifest.topology.tables[name];
      const physical = logical ? logical.physical : manifest.databases.filter((d) => d.tables[name]).map((d) => `${d.database}.${name}`);
      if (physical.length === 0) unknown.push(name);
      for (const p of physical) {
        const dot = p.indexOf('.');
        const db = p.slice(0, dot);
        wanted.set(db, (wanted.get(db) ?? new Set()).add(p.slice(dot + 1)));
      }
    }
    if (unknown.length) throw new UsageError(`backup ${manifest.id} has no table ${unknown.join(', ')}`, { hint: 'name logical tables of the backup\'s topology or physical tables it holds' });
  }
  const out: RestoreSelection[] = [];
  for (const entry of entries) {
    const tables = req.tables?.length ? [...(wanted.get(entry.database) ?? [])].filter((t) => entry.tables[t]) : null;
    if (tables && tables.length === 0) continue;
    const node = nodeNow.get(entry.database);
    if (!node) continue;
    out.push({ entry, target: { node, database: entry.database }, tables });
  }
  return out;
}

export type RestoreOutcome = 'restored' | 'failed' | 'refused';

export interface DatabaseRestoreReport {
  target: ShardTarget;
  outcome: RestoreOutcome;
  tables: string[];
  durationMs: number;
  error?: string;
  /** Tables whose checksum after the load differs from the manifest. */
  mismatches?: string[];
}

export interface RestoreRun {
  id: string;
  ok: boolean;
  topologyDiff: string[];
  databases: DatabaseRestoreReport[];
  durationMs: number;
}

export interface RestoreOptions {
  manifest: BackupManifest;
  /** The backup root: files are under `<root>/<id>`. */
  root: string;
  topology: Topology;
  connections: ShardConnector;
  access: Record<string, NodeAccess>;
  dumper: LogicalDumper;
  limits: Limits;
  lockTimeoutSeconds: number;
  request: RestoreRequest;
  /** Overwrite tables that hold rows. */
  replace: boolean;
  /** Restore even though the topology changed since the backup. */
  acceptTopologyChange: boolean;
  restoredBy: string;
  onProgress?: (e: { type: 'database-done'; report: DatabaseRestoreReport }) => void;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreRun> {
  const started = Date.now();
  const { manifest } = opts;
  if (manifest.kind === 'physical') {
    throw new UsageError(`backup ${manifest.id} is physical (mariadb-backup of whole nodes): restore it on the node with \`mariadb-backup --copy-back --target-dir=<id>/<node>/_node\` while the node is stopped`, {
      hint: 'take a logical backup (without --physical) for per-database and per-table restores',
    });
  }
  const diff = diffTopology(manifest.topology, topologySnapshot(opts.topology));
  if (diff.length && !opts.acceptTopologyChange) {
    throw new CheckFailedError(`the topology of ${opts.topology.environment} changed since backup ${manifest.id}; nothing was restored:\n${diff.map((d) => `  - ${d}`).join('\n')}`, {
      hint: 'restore to a matching topology, or pass --accept-topology-change to restore the databases that still exist as they were',
    });
  }
  const selection = selectRestore(manifest, opts.topology, opts.request);
  if (selection.length === 0) throw new UsageError('nothing to restore: no database of the backup matches the selection in today\'s topology');
  const dir = join(opts.root, manifest.id);

  // 1. Every byte to load, before any target is touched.
  const bad = [];
  for (const s of selection) bad.push(...(await checkFiles(dir, filesFor(s.entry, s.tables))));
  if (bad.length) {
    throw new CheckFailedError(`backup ${manifest.id} is damaged; nothing was restored:\n${bad.map((b) => `  - ${join(dir, b.path)}: ${b.problem}`).join('\n')}`, {
      hint: 'restore from another backup (`shardship backup list`)',
    });
  }

  // 2. Every target, before any is loaded: a restore over live data is a decision.
  const run = limiter(opts.limits);
  if (!opts.replace) {
    const occupied: string[] = [];
    await Promise.all(
      selection.map((s) =>
        run(s.target.node, async () => {
          const conn = await opts.connections.connect({ node: s.target.node, database: 'information_schema' });
          try {
            occupied.push(...(await tablesWithRows(conn, s.target.database, s.tables ?? Object.keys(s.entry.tables))).map((t) => `${s.target.node}/${s.target.database}.${t}`));
          } finally {
            await conn.close();
          }
        }),
      ),
    );
    if (occupied.length) {
      throw new CheckFailedError(`the target holds data; nothing was restored: ${occupied.sort().slice(0, 10).join(', ')}${occupied.length > 10 ? ` and ${occupied.length - 10} more` : ''}`, {
        hint: 'pass --replace to overwrite those tables with the backup',
      });
    }
  }

  // 3. Load, each database under its migration lock.
  const reports = new Map<string, DatabaseRestoreReport>();
  await Promise.all(
    interleave(selection).map((s) =>
      run(s.target.node, async () => {
        const report = await restoreDatabase(s, opts, dir);
        reports.set(s.target.database, report);
        opts.onProgress?.({ type: 'database-done', report });
      }),
    ),
  );
  const databases = selection.map((s) => reports.get(s.target.database)!);
  return { id: manifest.id, ok: databases.every((d) => d.outcome === 'restored'), topologyDiff: diff, databases, durationMs: Date.now() - started };
}

async function tablesWithRows(conn: ShardConnection, database: string, tables: string[]): Promise<string[]> {
  const rows = await conn.query<{ t: string }>("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", [database]);
  const present = new Set(rows.map((r) => r.t));
  const out: string[] = [];
  for (const t of tables.filter((x) => present.has(x))) {
    const [r] = await conn.query(`SELECT 1 AS x FROM ${quoteIdentifier(database)}.${quoteIdentifier(t)} LIMIT 1`);
    if (r) out.push(t);
  }
  return out;
}

async function restoreDatabase(s: RestoreSelection, opts: RestoreOptions, dir: string): Promise<DatabaseRestoreReport> {
  const t0 = Date.now();
  const tables = s.tables ?? Object.keys(s.entry.tables);
  const report: DatabaseRestoreReport = { target: s.target, outcome: 'restored', tables, durationMs: 0 };
  let conn: ShardConnection | undefined;
  let stage: { path: string; remove: () => Promise<void> } | undefined;
  try {
    const admin = await opts.connections.connect({ node: s.target.node, database: 'information_schema' });
    try {
      await admin.execute(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(s.target.database)}`);
    } finally {
      await admin.close();
    }
    conn = await opts.connections.connect(s.target);
    const lock = await acquireDatabaseLock(conn, opts.lockTimeoutSeconds);
    if (!lock.acquired) return { ...report, outcome: 'refused', error: `restore waited ${opts.lockTimeoutSeconds}s for the migration lock: ${lock.message}`, durationMs: Date.now() - t0 };
    if (!opts.replace) {
      const occupied = await tablesWithRows(conn, s.target.database, tables);
      if (occupied.length) return { ...report, outcome: 'refused', error: `rows were written meanwhile to ${occupied.join(', ')}: pass --replace`, durationMs: Date.now() - t0 };
    }
    if (tables.length) {
      stage = await stageFiles(dir, filesFor(s.entry, s.tables));
      await opts.dumper.load({ node: s.target.node, access: opts.access[s.target.node]!, sourceDatabase: s.entry.database, targetDatabase: s.target.database, dir: stage.path, threads: opts.limits.threads });
    }
    const after = await tableRecords(conn, s.target.database, tables);
    const mismatches = tables.filter((t) => after[t]?.checksum !== s.entry.tables[t]?.checksum || after[t]?.rows !== s.entry.tables[t]?.rows);
    if (mismatches.length) {
      report.outcome = 'failed';
      report.mismatches = mismatches;
      report.error = `after the load, ${mismatches.join(', ')} differ from the backup's checksums`;
    }
    await recordRestore(conn, { action: 'restore', backupId: opts.manifest.id, tables, by: opts.restoredBy, ok: report.outcome === 'restored' });
  } catch (e) {
    report.outcome = 'failed';
    report.error = errorText(e);
  } finally {
    await stage?.remove();
    await conn?.close();
  }
  report.durationMs = Date.now() - t0;
  return report;
}

const CREATE_BACKUP_HISTORY = `CREATE TABLE IF NOT EXISTS ${BACKUP_HISTORY_TABLE} (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  action VARCHAR(16) NOT NULL,
  source VARCHAR(255) NOT NULL,
  tables_restored TEXT NOT NULL,
  ok TINYINT(1) NOT NULL,
  at DATETIME(3) NOT NULL,
  by_whom VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

/** One row per restore or undo in the database it changed; backups never take this table. */
export async function recordRestore(conn: ShardConnection, r: { action: 'restore' | 'undo'; backupId: string; tables: string[]; by: string; ok: boolean }): Promise<void> {
  await conn.execute(CREATE_BACKUP_HISTORY);
  await conn.execute(`INSERT INTO ${BACKUP_HISTORY_TABLE} (action, source, tables_restored, ok, at, by_whom) VALUES (?, ?, ?, ?, NOW(3), ?)`, [
    r.action,
    r.backupId.slice(0, 255),
    r.tables.join(','),
    r.ok ? 1 : 0,
    r.by.slice(0, 255),
  ]);
}
