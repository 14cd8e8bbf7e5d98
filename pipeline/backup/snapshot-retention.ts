// Retention of pre-migration snapshots: `migrate snapshots list` shows what each database keeps
// (and what it costs), `migrate snapshots prune --keep 7d|N` drops the snapshot tables of older
// migration versions. Snapshots are copies of whole tables inside the shard itself, so left alone
// they grow every shard towards its capacity cap. The decision is a pure plan over the listing;
// the executor drops per database under the migration lock, so it never races an apply or undo.
import { compareVersions, quoteIdentifier } from '../migrate/history.js';
import { acquireDatabaseLock, releaseDatabaseLock } from '../migrate/locks.js';
import type { ShardConnector, ShardTarget } from '../core/shards.js';
import { limiter, type Limits } from './limits.js';
import { SNAPSHOT_REGISTRY_TABLE, type Keep } from './plan.js';

export interface SnapshotEntry {
  version: string;
  physicalTable: string;
  /** Null when the table did not exist before the migration (undo drops it). */
  snapshotTable: string | null;
  rows: number;
  /** Data and index bytes of the snapshot table, as information_schema reports them. */
  bytes: number;
  createdAt: string;
}

export interface DatabaseSnapshots {
  target: ShardTarget;
  snapshots: SnapshotEntry[];
  error?: string;
}

export interface SnapshotOptions {
  connections: ShardConnector;
  limits: Limits;
}

interface RegistryRow {
  version: string;
  physical_table: string;
  snapshot_table: string | null;
  rows_copied: number | string;
  created_unix: number | string;
  bytes: number | string | null;
  [k: string]: unknown;
}

/** Every snapshot registered in every database (a database that never had one lists none). */
export async function listSnapshots(databases: readonly ShardTarget[], opts: SnapshotOptions): Promise<DatabaseSnapshots[]> {
  const run = limiter(opts.limits);
  return Promise.all(
    databases.map((target) =>
      run(target.node, async (): Promise<DatabaseSnapshots> => {
        try {
          const conn = await opts.connections.connect(target);
          try {
            const rows = await conn
              .query<RegistryRow>(
                `SELECT s.version, s.physical_table, s.snapshot_table, s.rows_copied, UNIX_TIMESTAMP(s.created_at) AS created_unix, t.DATA_LENGTH + t.INDEX_LENGTH AS bytes
                 FROM ${SNAPSHOT_REGISTRY_TABLE} s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = s.snapshot_table`,
              )
              .catch((e: { kind?: string }) => {
                if (e.kind === 'no-such-table') return [] as RegistryRow[];
                throw e;
              });
            const snapshots = rows
              .map((r) => ({ version: r.version, physicalTable: r.physical_table, snapshotTable: r.snapshot_table, rows: Number(r.rows_copied), bytes: Number(r.bytes ?? 0), createdAt: new Date(Number(r.created_unix) * 1000).toISOString() }))
              .sort((a, b) => compareVersions(a.version, b.version) || a.physicalTable.localeCompare(b.physicalTable));
            return { target, snapshots };
          } finally {
            await conn.close();
          }
        } catch (e) {
          return { target, snapshots: [], error: e instanceof Error ? e.message : String(e) };
        }
      }),
    ),
  );
}

export interface SnapshotVersionSummary {
  version: string;
  databases: number;
  tables: number;
  rows: number;
  bytes: number;
  /** When the newest of its snapshots was taken. */
  createdAt: string;
}

/** One line per migration version across the environment, oldest first. */
export function summarizeSnapshots(listing: readonly DatabaseSnapshots[]): SnapshotVersionSummary[] {
  const byVersion = new Map<string, SnapshotVersionSummary & { dbs: Set<string> }>();
  for (const d of listing) {
    for (const s of d.snapshots) {
      let v = byVersion.get(s.version);
      if (!v) byVersion.set(s.version, (v = { version: s.version, databases: 0, tables: 0, rows: 0, bytes: 0, createdAt: s.createdAt, dbs: new Set() }));
      v.dbs.add(`${d.target.node}/${d.target.database}`);
      v.tables += 1;
      v.rows += s.rows;
      v.bytes += s.bytes;
      if (s.createdAt > v.createdAt) v.createdAt = s.createdAt;
    }
  }
  return [...byVersion.values()].sort((a, b) => compareVersions(a.version, b.version)).map(({ dbs, ...v }) => ({ ...v, databases: dbs.size }));
}

export interface SnapshotPrunePlan {
  keep: string[];
  remove: { version: string; reason: string }[];
}

/**
 * Which migration versions lose their snapshots: beyond the newest N versions, or taken longer
 * ago than the age. The newest version's snapshot is always kept: it is the one `migrate undo`
 * can still use (an older one is refused once a later migration ran).
 */
export function planSnapshotPrune(versions: readonly SnapshotVersionSummary[], keep: Keep, now: Date): SnapshotPrunePlan {
  const newestFirst = [...versions].sort((a, b) => compareVersions(b.version, a.version));
  const plan: SnapshotPrunePlan = { keep: [], remove: [] };
  newestFirst.forEach((v, i) => {
    if (i === 0) plan.keep.push(v.version);
    else if (keep.kind === 'count' && i >= keep.n) plan.remove.push({ version: v.version, reason: `beyond the newest ${keep.n}` });
    else if (keep.kind === 'age' && now.getTime() - Date.parse(v.createdAt) > keep.ms) plan.remove.push({ version: v.version, reason: `older than ${keep.text}` });
    else plan.keep.push(v.version);
  });
  return plan;
}

export interface DatabasePruneReport {
  target: ShardTarget;
  outcome: 'pruned' | 'nothing' | 'refused' | 'failed';
  dropped: string[];
  error?: string;
}

/** Drop the snapshot tables and registry rows of the versions the plan removes, per database under its migration lock. */
export async function pruneSnapshots(plan: SnapshotPrunePlan, listing: readonly DatabaseSnapshots[], opts: SnapshotOptions & { lockTimeoutSeconds: number }): Promise<DatabasePruneReport[]> {
  const remove = new Set(plan.remove.map((r) => r.version));
  const run = limiter(opts.limits);
  return Promise.all(
    listing.map((d) =>
      run(d.target.node, async (): Promise<DatabasePruneReport> => {
        const gone = d.snapshots.filter((s) => remove.has(s.version));
        if (gone.length === 0) return { target: d.target, outcome: 'nothing', dropped: [] };
        const dropped: string[] = [];
        try {
          const conn = await opts.connections.connect(d.target);
          try {
            const lock = await acquireDatabaseLock(conn, opts.lockTimeoutSeconds);
            if (!lock.acquired) return { target: d.target, outcome: 'refused', dropped, error: lock.message };
            try {
              for (const s of gone) {
                // Table first, then its row: a prune killed in between leaves a row whose table is
                // gone, and the next prune (DROP ... IF EXISTS) removes it.
                if (s.snapshotTable) await conn.execute(`DROP TABLE IF EXISTS ${quoteIdentifier(s.snapshotTable)}`);
                await conn.execute(`DELETE FROM ${SNAPSHOT_REGISTRY_TABLE} WHERE version = ? AND physical_table = ?`, [s.version, s.physicalTable]);
                dropped.push(`V${s.version} ${s.physicalTable}`);
              }
            } finally {
              await releaseDatabaseLock(conn);
            }
          } finally {
            await conn.close();
          }
          return { target: d.target, outcome: 'pruned', dropped };
        } catch (e) {
          return { target: d.target, outcome: 'failed', dropped, error: e instanceof Error ? e.message : String(e) };
        }
      }),
    ),
  );
}

export interface SnapshotListing {
  versions: SnapshotVersionSummary[];
  databases: DatabaseSnapshots[];
  /** `node/database: error` for each database that could not be read. */
  unreachable: string[];
}

export async function snapshotListing(databases: readonly ShardTarget[], opts: SnapshotOptions): Promise<SnapshotListing> {
  const listing = await listSnapshots(databases, opts);
  return {
    versions: summarizeSnapshots(listing),
    databases: listing,
    unreachable: listing.filter((d) => d.error).map((d) => `${d.target.node}/${d.target.database}: ${d.error}`),
  };
}

export interface SnapshotPruneRun extends SnapshotPrunePlan {
  dryRun: boolean;
  databases: DatabasePruneReport[];
  unreachable: string[];
  ok: boolean;
}

/** List, plan and (unless `dryRun`) prune: what `backup snapshots prune` does. */
export async function pruneSnapshotsByRetention(databases: readonly ShardTarget[], keep: Keep, opts: SnapshotOptions & { lockTimeoutSeconds: number; dryRun: boolean; now: Date }): Promise<SnapshotPruneRun> {
  const listing = await snapshotListing(databases, opts);
  const plan = planSnapshotPrune(listing.versions, keep, opts.now);
  const reports = opts.dryRun ? [] : await pruneSnapshots(plan, listing.databases, opts);
  return {
    ...plan,
    dryRun: opts.dryRun,
    databases: reports,
    unreachable: listing.unreachable,
    ok: listing.unreachable.length === 0 && reports.every((r) => r.outcome === 'pruned' || r.outcome === 'nothing'),
  };
}
