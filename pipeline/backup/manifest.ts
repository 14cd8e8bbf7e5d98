// MANIFEST.json: the one stored shape of a backup. It is written last, after every file is on
// disk and hashed: a backup directory without it does not exist (list shows it as incomplete,
// `backup create --resume ID` finishes it). No DSN, user or password is ever part of it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';

export const MANIFEST_FILE = 'MANIFEST.json';
/** Per database, written when its dump is hashed: what `--resume` keeps. */
export const DATABASE_ENTRY_FILE = 'DATABASE.json';
/** The physical directory of a node (`--physical`) under `<id>/<node>/`. */
export const NODE_DIR = '_node';

export const BackupFile = z.strictObject({
  /** Relative to the backup's directory (`<node>/<database>/<file>`). */
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BackupFile = z.infer<typeof BackupFile>;

export const Position = z.strictObject({
  gtid: z.string().nullable().describe('@@gtid_current_pos at the consistent point'),
  binlogFile: z.string().nullable(),
  binlogPosition: z.number().int().nullable(),
});
export type Position = z.infer<typeof Position>;

export const TableRecord = z.strictObject({
  rows: z.number().int().nonnegative(),
  /** CHECKSUM TABLE, as a decimal string (it can exceed 2^53). */
  checksum: z.string().nullable(),
});
export type TableRecord = z.infer<typeof TableRecord>;

export const DatabaseEntry = z.strictObject({
  node: z.string(),
  database: z.string(),
  position: Position,
  /** Highest successfully applied migration version, when the database has a history. */
  migrationVersion: z.string().nullable(),
  tables: z.record(z.string(), TableRecord),
  files: z.array(BackupFile),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type DatabaseEntry = z.infer<typeof DatabaseEntry>;

export const NodeEntry = z.strictObject({
  node: z.string(),
  position: z.string().nullable(),
  files: z.array(BackupFile),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type NodeEntry = z.infer<typeof NodeEntry>;

export const TopologySnapshot = z.strictObject({
  environment: z.string(),
  nodes: z.array(z.string()),
  databases: z.array(z.strictObject({ node: z.string(), database: z.string() })),
  tables: z.record(z.string(), z.strictObject({ kind: z.string(), physical: z.array(z.string()).describe('database.table') })),
});
export type TopologySnapshot = z.infer<typeof TopologySnapshot>;

export const BackupManifest = z.strictObject({
  format: z.literal(1),
  id: z.string(),
  environment: z.string(),
  kind: z.enum(['logical', 'physical']),
  /** Logical tables asked for with --tables; null: every table of every database. */
  logicalTables: z.array(z.string()).nullable(),
  tools: z.record(z.string(), z.string()),
  topology: TopologySnapshot,
  topologyDigest: z.string(),
  databases: z.array(DatabaseEntry),
  nodes: z.array(NodeEntry).default([]),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A backup id names a directory: refuse anything that could leave the backup root. */
export function checkBackupId(id: string): string {
  if (!ID.test(id) || id.includes('..')) throw new UsageError(`"${id}" is not a backup id`, { hint: 'ids look like 20261204T213000Z-prod-1a2b; `shardship backup list` shows them' });
  return id;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under `dir` (recursive, sorted), hashed, with paths relative to `root`. */
export async function hashTree(root: string, dir: string, skip: ReadonlySet<string> = new Set()): Promise<BackupFile[]> {
  const out: BackupFile[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !skip.has(e.name)) out.push({ path: relative(root, p), bytes: (await stat(p)).size, sha256: await sha256File(p) });
    }
  };
  await walk(dir);
  return out;
}

/** Write JSON so that a reader never sees half of it: a temp file, then a rename. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}

export async function readManifest(root: string, id: string): Promise<BackupManifest> {
  const path = join(root, checkBackupId(id), MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    const partial = await stat(join(root, id)).then(() => true, () => false);
    throw new UsageError(partial ? `backup ${id} is incomplete (no ${MANIFEST_FILE}): it does not exist as a backup` : `no backup ${id} in ${root}`, {
      hint: partial ? `finish it with \`shardship backup create --resume ${id}\`` : '`shardship backup list` shows the backups',
    });
  }
  const parsed = BackupManifest.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UsageError(`${path} is not a shardship backup manifest: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export async function readDatabaseEntry(dir: string): Promise<DatabaseEntry | undefined> {
  try {
    const parsed = DatabaseEntry.safeParse(JSON.parse(await readFile(join(dir, DATABASE_ENTRY_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

export interface ListedBackup {
  id: string;
  complete: boolean;
  manifest?: BackupManifest;
  error?: string;
}

/** Every backup directory under `root`, newest first; those without a manifest are incomplete. */
export async function listBackups(root: string): Promise<ListedBackup[]> {
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && ID.test(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
  const out: ListedBackup[] = [];
  for (const id of names.sort().reverse()) {
    try {
      out.push({ id, complete: true, manifest: await readManifest(root, id) });
    } catch (e) {
      out.push({ id, complete: false, error: (e as Error).message });
    }
  }
  return out;
}
