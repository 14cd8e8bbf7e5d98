// The backup executor: every database of a BackupPlan dumped in parallel (global and per-node
// limits), each under its migration lock and a read lock on its tables so that the files, row
// counts, checksums and position are one state. Each finished database writes its entry next
// to its files; MANIFEST.json is written last, only when every database is there.
import { access, constants, mkdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceError, UsageError } from '../core/errors.js';
import { readHistory, compareVersions, quoteIdentifier } from '../migrate/history.js';
import { acquireDatabaseLock, releaseDatabaseLock } from '../migrate/locks.js';
import { type ShardConnection, type ShardConnector, ShardError, type ShardTarget } from '../core/shards.js';
import type { Topology } from '../migrate/topology.js';
import { interleave, limiter, type Limits } from './limits.js';
import {
  DATABASE_ENTRY_FILE,
  MANIFEST_FILE,
  NODE_DIR,
  checkBackupId,
  hashTree,
  readDatabaseEntry,
  readManifest,
  sha256File,
  writeJsonAtomic,
  type BackupManifest,
  type DatabaseEntry,
  type NodeEntry,
} from './manifest.js';
import { newBackupId, topologyDigest, topologySnapshot, type BackupPlan, type DatabaseJob } from './plan.js';
import type { LogicalDumper, NodeAccess, PhysicalBackupTool } from './ports.js';
import { listTables, readPosition, tableRecords } from './tables.js';

export type DatabaseBackupOutcome = 'done' | 'kept' | 'failed' | 'locked' | 'unreachable';

export interface DatabaseBackupReport {
  target: ShardTarget;
  outcome: DatabaseBackupOutcome;
  tables: number;
  bytes: number;
  durationMs: number;
  error?: string;
}

export interface BackupRun {
  id: string;
  directory: string;
  kind: 'logical' | 'physical';
  ok: boolean;
  /** Path of MANIFEST.json when the backup is complete. */
  manifest: string | null;
  databases: DatabaseBackupReport[];
  /** `node/database` of every database the backup lacks (no manifest then). */
  missing: string[];
  bytes: number;
  durationMs: number;
}

export type BackupProgress = { type: 'database-start'; target: ShardTarget } | { type: 'database-done'; report: DatabaseBackupReport };

export interface CreateBackupOptions {
  topology: Topology;
  connections: ShardConnector;
  /** Credentials per node, for the tools. */
  access: Record<string, NodeAccess>;
  dumper: LogicalDumper;
  physical?: PhysicalBackupTool;
  /** The backup root (`--to`); the backup goes to `<root>/<id>`. */
  root: string;
  limits: Limits;
  lockTimeoutSeconds: number;
  /** Finish this incomplete backup: databases whose files still match their entry are kept. */
  resume?: string;
  onProgress?: (e: BackupProgress) => void;
  now?: () => Date;
}

const iso = (d: Date) => d.toISOString();
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Refuse early, with the reason, when the root cannot be written to or is clearly too small. */
async function checkRoot(root: string, needBytes: number): Promise<void> {
  try {
    await mkdir(root, { recursive: true });
    await access(root, constants.W_OK);
    // Root passes W_OK everywhere; an immutable or read-only directory only fails on a write.
    const probe = join(root, `.shardship-write-probe-${process.pid}`);
    await mkdir(probe);
    await rm(probe, { recursive: true });
  } catch (e) {
    throw new ServiceError('backup', `cannot write to ${root}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`, { hint: 'pass --to with a writable directory, or fix its permissions', cause: e });
  }
  const fs = await statfs(root);
  const free = Number(fs.bavail) * Number(fs.bsize);
  if (free < needBytes) {
    throw new ServiceError('backup', `${root} has ${formatBytes(free)} free; the databases hold about ${formatBytes(needBytes)} of data`, { hint: 'free space there or pass --to with a larger disk' });
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

async function dataBytes(opts: CreateBackupOptions, jobs: DatabaseJob[]): Promise<number> {
  let total = 0;
  const run = limiter({ ...opts.limits });
  await Promise.all(
    jobs.map((j) =>
      run(j.target.node, async () => {
        let conn: ShardConnection | undefined;
        try {
          conn = await opts.connections.connect(j.target);
          const [r] = await conn.query<{ b: string | number | null }>('SELECT SUM(DATA_LENGTH) AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [j.target.database]);
          total += Number(r?.b ?? 0);
        } catch {
          // An unreachable database fails in its own job, with its own message.
        } finally {
          await conn?.close();
        }
      }),
    ),
  );
  return total;
}

export async function createBackup(plan: BackupPlan, opts: CreateBackupOptions): Promise<BackupRun> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const kind = opts.physical ? 'physical' : 'logical';
  let id: string;
  let previous: BackupManifest | undefined;
  if (opts.resume) {
    id = checkBackupId(opts.resume);
    previous = await readManifest(opts.root, id).catch(() => undefined);
    if (previous) throw new UsageError(`backup ${id} is already complete`, { hint: 'nothing to resume; `shardship backup verify ' + id + '` checks it' });
  } else id = newBackupId(plan.environment, started);
  const dir = join(opts.root, id);
  if (!opts.resume) await checkRoot(opts.root, await dataBytes(opts, plan.databases));
  else await checkRoot(opts.root, 0);
  await mkdir(dir, { recursive: true });

  const emit = opts.onProgress ?? (() => undefined);
  const run = limiter(opts.limits);
  const reports = new Map<string, DatabaseBackupReport>();
  const entries = new Map<string, DatabaseEntry>();
  const nodeEntries: NodeEntry[] = [];

  if (opts.physical) {
    await backupNodes(plan, opts, dir, reports, nodeEntries, emit);
  } else {
    await Promise.all(
      interleave(plan.databases).map((job) =>
        run(job.target.node, async () => {
          emit({ type: 'database-start', target: job.target });
          const t0 = Date.now();
          const dbDir = join(dir, job.target.node, job.target.database);
          const kept = opts.resume ? await keptEntry(dir, dbDir) : undefined;
          let report: DatabaseBackupReport;
          if (kept) {
            entries.set(job.target.database, kept);
            report = { target: job.target, outcome: 'kept', tables: Object.keys(kept.tables).length, bytes: kept.files.reduce((n, f) => n + f.bytes, 0), durationMs: Date.now() - t0 };
          } else {
            try {
              const entry = await backupDatabase(job, opts, dir, dbDir);
              entries.set(job.target.database, entry);
              report = { target: job.target, outcome: 'done', tables: Object.keys(entry.tables).length, bytes: entry.files.reduce((n, f) => n + f.bytes, 0), durationMs: Date.now() - t0 };
            } catch (e) {
              const outcome: DatabaseBackupOutcome = e instanceof LockedError ? 'locked' : e instanceof ShardError && e.nodeDown ? 'unreachable' : 'failed';
              report = { target: job.target, outcome, tables: 0, bytes: 0, durationMs: Date.now() - t0, error: errorText(e) };
            }
          }
          reports.set(job.target.database, report);
          emit({ type: 'database-done', report });
        }),
      ),
    );
  }

  const databases = plan.databases.map((d) => reports.get(d.target.database)!);
  const missing = databases.filter((d) => d.outcome !== 'done' && d.outcome !== 'kept').map((d) => `${d.target.node}/${d.target.database}`);
  const result: BackupRun = {
    id,
    directory: dir,
    kind,
    ok: missing.length === 0,
    manifest: null,
    databases,
    missing,
    bytes: databases.reduce((n, d) => n + d.bytes, 0),
    durationMs: 0,
  };
  if (result.ok) {
    const snapshot = topologySnapshot(opts.topology);
    const tools = opts.physical ? await opts.physical.versions() : await opts.dumper.versions();
    const manifest: BackupManifest = {
      format: 1,
      id,
      environment: plan.environment,
      kind,
      logicalTables: plan.logicalTables,
      tools,
      topology: snapshot,
      topologyDigest: topologyDigest(snapshot),
      databases: plan.databases.map((d) => entries.get(d.target.database)).filter((e): e is DatabaseEntry => Boolean(e)),
      nodes: nodeEntries,
      startedAt: iso(started),
      finishedAt: iso(now()),
    };
    const path = join(dir, MANIFEST_FILE);
    await writeJsonAtomic(path, manifest);
    result.manifest = path;
  }
  result.durationMs = now().getTime() - started.getTime();
  return result;
}

class LockedError extends Error {}

/** An entry from an earlier attempt counts only if every file it lists is there, unchanged. */
async function keptEntry(dir: string, dbDir: string): Promise<DatabaseEntry | undefined> {
  const entry = await readDatabaseEntry(dbDir);
  if (!entry) return undefined;
  for (const f of entry.files) {
    const sum = await sha256File(join(dir, f.path)).catch(() => undefined);
    if (sum !== f.sha256) return undefined;
  }
  return entry;
}

async function backupDatabase(job: DatabaseJob, opts: CreateBackupOptions, dir: string, dbDir: string): Promise<DatabaseEntry> {
  const access = opts.access[job.target.node];
  if (!access) throw new UsageError(`node ${job.target.node} has no credentials`);
  // A previous attempt's files are not trusted: start this database again from nothing.
  await rm(dbDir, { recursive: true, force: true });
  await mkdir(dbDir, { recursive: true });
  const startedAt = iso(new Date());
  const conn = await opts.connections.connect(job.target);
  let readLocked = false;
  try {
    // A migration holds this lock from its first statement to its last: waiting on it means
    // the backup never captures half of one.
    const lock = await acquireDatabaseLock(conn, opts.lockTimeoutSeconds);
    if (!lock.acquired) throw new LockedError(`backup waited ${opts.lockTimeoutSeconds}s for the migration lock: ${lock.message}`);
    const present = await listTables(conn, job.target.database);
    const tables = job.tables ? job.tables.filter((t) => present.includes(t)) : present;
    if (tables.length > 0) {
      await conn.execute(`FLUSH TABLES ${tables.map(quoteIdentifier).join(', ')} WITH READ LOCK`);
      readLocked = true;
    }
    const position = await readPosition(conn);
    const records = await tableRecords(conn, job.target.database, tables);
    const history = await readHistory(conn).catch(() => undefined);
    const applied = (history ?? []).filter((r) => r.state === 'success').map((r) => r.version).sort(compareVersions);
    const migrationVersion = applied.at(-1) ?? null;
    if (tables.length > 0) await opts.dumper.dump({ node: job.target.node, access, database: job.target.database, tables, outDir: dbDir, threads: opts.limits.threads });
    if (readLocked) {
      await conn.execute('UNLOCK TABLES');
      readLocked = false;
    }
    await releaseDatabaseLock(conn).catch(() => undefined);
    const files = await hashTree(dir, dbDir, new Set([DATABASE_ENTRY_FILE, `${DATABASE_ENTRY_FILE}.tmp`]));
    const entry: DatabaseEntry = { node: job.target.node, database: job.target.database, position, migrationVersion, tables: records, files, startedAt, finishedAt: iso(new Date()) };
    await writeJsonAtomic(join(dbDir, DATABASE_ENTRY_FILE), entry);
    return entry;
  } finally {
    if (readLocked) await conn.execute('UNLOCK TABLES').catch(() => undefined);
    await conn.close();
  }
}

/** `--physical`: one mariadb-backup per node, every database of the node under its migration lock. */
async function backupNodes(
  plan: BackupPlan,
  opts: CreateBackupOptions,
  dir: string,
  reports: Map<string, DatabaseBackupReport>,
  nodeEntries: NodeEntry[],
  emit: (e: BackupProgress) => void,
): Promise<void> {
  const run = limiter({ ...opts.limits, nodeConcurrency: 1 });
  const nodes = [...new Set(plan.databases.map((d) => d.target.node))];
  await Promise.all(
    nodes.map((node) =>
      run(node, async () => {
        const dbs = plan.databases.filter((d) => d.target.node === node);
        const t0 = Date.now();
        const startedAt = iso(new Date());
        const conns: ShardConnection[] = [];
        const nodeDir = join(dir, node, NODE_DIR);
        for (const d of dbs) emit({ type: 'database-start', target: d.target });
        try {
          for (const d of dbs) {
            const conn = await opts.connections.connect(d.target);
            conns.push(conn);
            const lock = await acquireDatabaseLock(conn, opts.lockTimeoutSeconds);
            if (!lock.acquired) throw new LockedError(`backup waited ${opts.lockTimeoutSeconds}s for the migration lock: ${lock.message}`);
          }
          await rm(nodeDir, { recursive: true, force: true });
          await mkdir(join(dir, node), { recursive: true });
          const { position } = await opts.physical!.backupNode({ node, access: opts.access[node]!, outDir: nodeDir, threads: opts.limits.threads });
          const files = await hashTree(dir, nodeDir);
          nodeEntries.push({ node, position, files, startedAt, finishedAt: iso(new Date()) });
          const bytes = files.reduce((n, f) => n + f.bytes, 0);
          for (const d of dbs) {
            const r: DatabaseBackupReport = { target: d.target, outcome: 'done', tables: 0, bytes: d === dbs[0] ? bytes : 0, durationMs: Date.now() - t0 };
            reports.set(d.target.database, r);
            emit({ type: 'database-done', report: r });
          }
        } catch (e) {
          const outcome: DatabaseBackupOutcome = e instanceof LockedError ? 'locked' : e instanceof ShardError && e.nodeDown ? 'unreachable' : 'failed';
          for (const d of dbs) {
            const r: DatabaseBackupReport = { target: d.target, outcome, tables: 0, bytes: 0, durationMs: Date.now() - t0, error: errorText(e) };
            reports.set(d.target.database, r);
            emit({ type: 'database-done', report: r });
          }
        } finally {
          for (const c of conns) await c.close();
        }
      }),
    ),
  );
}
