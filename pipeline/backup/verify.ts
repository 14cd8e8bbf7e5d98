// Verify a backup the only way that proves it restores: check every file's sha256, load each
// database into a scratch database on its node (in parallel), compare every table's row count
// and CHECKSUM TABLE with the manifest, drop the scratch database.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { quoteIdentifier } from '../migrate/history.js';
import type { ShardConnection, ShardConnector, ShardTarget } from '../core/shards.js';
import { checkFiles, stageFiles } from './files.js';
import { interleave, limiter, type Limits } from './limits.js';
import type { BackupManifest, DatabaseEntry } from './manifest.js';
import type { LogicalDumper, NodeAccess } from './ports.js';
import { tableRecords } from './tables.js';

export interface DatabaseVerifyReport {
  target: ShardTarget;
  ok: boolean;
  tables: number;
  badFiles: string[];
  mismatches: string[];
  durationMs: number;
  error?: string;
}

export interface VerifyRun {
  id: string;
  ok: boolean;
  databases: DatabaseVerifyReport[];
  durationMs: number;
}

export interface VerifyOptions {
  manifest: BackupManifest;
  root: string;
  connections: ShardConnector;
  access: Record<string, NodeAccess>;
  dumper: LogicalDumper;
  limits: Limits;
  onProgress?: (e: { type: 'database-done'; report: DatabaseVerifyReport }) => void;
}

/** `<db>__verify_<hash>`, within MariaDB's 64-character limit, unique per backup and database. */
export function scratchName(id: string, database: string): string {
  const h = createHash('sha256').update(`${id}/${database}`).digest('hex').slice(0, 8);
  return `${database.slice(0, 45)}__verify_${h}`;
}

export async function verifyBackup(opts: VerifyOptions): Promise<VerifyRun> {
  const started = Date.now();
  const dir = join(opts.root, opts.manifest.id);
  const run = limiter(opts.limits);
  const reports = new Map<string, DatabaseVerifyReport>();
  if (opts.manifest.kind === 'physical') {
    // A physical backup is a node's files: check them; loading needs a stopped server.
    for (const n of opts.manifest.nodes) {
      const bad = await checkFiles(dir, n.files);
      const r: DatabaseVerifyReport = { target: { node: n.node, database: '*' }, ok: bad.length === 0, tables: 0, badFiles: bad.map((b) => `${b.path}: ${b.problem}`), mismatches: [], durationMs: 0 };
      reports.set(n.node, r);
    }
    const databases = [...reports.values()];
    return { id: opts.manifest.id, ok: databases.every((d) => d.ok), databases, durationMs: Date.now() - started };
  }
  const entries = opts.manifest.databases.map((e) => ({ entry: e, target: { node: e.node, database: e.database } }));
  await Promise.all(
    interleave(entries).map(({ entry, target }) =>
      run(target.node, async () => {
        const report = await verifyDatabase(entry, target, opts, dir);
        reports.set(target.database, report);
        opts.onProgress?.({ type: 'database-done', report });
      }),
    ),
  );
  const databases = entries.map((e) => reports.get(e.target.database)!);
  return { id: opts.manifest.id, ok: databases.every((d) => d.ok), databases, durationMs: Date.now() - started };
}

async function verifyDatabase(entry: DatabaseEntry, target: ShardTarget, opts: VerifyOptions, dir: string): Promise<DatabaseVerifyReport> {
  const t0 = Date.now();
  const tables = Object.keys(entry.tables);
  const report: DatabaseVerifyReport = { target, ok: false, tables: tables.length, badFiles: [], mismatches: [], durationMs: 0 };
  const bad = await checkFiles(dir, entry.files);
  if (bad.length) {
    report.badFiles = bad.map((b) => `${b.path}: ${b.problem}`);
    report.durationMs = Date.now() - t0;
    return report;
  }
  const scratch = scratchName(opts.manifest.id, entry.database);
  let conn: ShardConnection | undefined;
  let stage: { path: string; remove: () => Promise<void> } | undefined;
  try {
    conn = await opts.connections.connect({ node: target.node, database: 'information_schema' });
    await conn.execute(`DROP DATABASE IF EXISTS ${quoteIdentifier(scratch)}`);
    await conn.execute(`CREATE DATABASE ${quoteIdentifier(scratch)}`);
    if (tables.length) {
      stage = await stageFiles(dir, entry.files);
      await opts.dumper.load({ node: target.node, access: opts.access[target.node]!, sourceDatabase: entry.database, targetDatabase: scratch, dir: stage.path, threads: opts.limits.threads });
    }
    const got = await tableRecords(conn, scratch, tables);
    for (const t of tables) {
      const want = entry.tables[t]!;
      const have = got[t];
      if (!have) report.mismatches.push(`${t}: missing after the load`);
      else if (have.rows !== want.rows) report.mismatches.push(`${t}: ${have.rows} rows, the manifest says ${want.rows}`);
      else if (have.checksum !== want.checksum) report.mismatches.push(`${t}: checksum ${have.checksum}, the manifest says ${want.checksum}`);
    }
    report.ok = report.mismatches.length === 0;
  } catch (e) {
    report.error = e instanceof Error ? e.message : String(e);
  } finally {
    await stage?.remove();
    await conn?.execute(`DROP DATABASE IF EXISTS ${quoteIdentifier(scratch)}`).catch(() => undefined);
    await conn?.close();
  }
  report.durationMs = Date.now() - t0;
  return report;
}
