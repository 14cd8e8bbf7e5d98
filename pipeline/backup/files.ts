// The files of one database's dump that a restore of some of its tables needs, their check
// against the manifest, and the staging directory myloader reads them from.
import { mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BackupFile, DatabaseEntry } from './manifest.js';
import { sha256File } from './manifest.js';

/** mydumper names files `<db>.<table>-schema.sql`, `<db>.<table>.sql`, `<db>.<table>.00001.sql`, ... */
export function filesFor(entry: DatabaseEntry, tables: readonly string[] | null): BackupFile[] {
  if (!tables) return entry.files;
  const db = entry.database;
  return entry.files.filter((f) => {
    const name = basename(f.path);
    if (name === `${db}-schema-create.sql` || name === 'metadata') return true;
    return tables.some((t) => name.startsWith(`${db}.${t}-`) || name.startsWith(`${db}.${t}.`));
  });
}

export interface BadFile {
  path: string;
  problem: string;
}

/** Every file's size and sha256 against the manifest; what does not match, and why. */
export async function checkFiles(dir: string, files: readonly BackupFile[]): Promise<BadFile[]> {
  const bad: BadFile[] = [];
  for (const f of files) {
    const p = join(dir, f.path);
    const size = await stat(p).then((s) => s.size, () => undefined);
    if (size === undefined) bad.push({ path: f.path, problem: 'missing' });
    else if (size !== f.bytes) bad.push({ path: f.path, problem: `${size} bytes, the manifest says ${f.bytes} (truncated?)` });
    else if ((await sha256File(p)) !== f.sha256) bad.push({ path: f.path, problem: 'sha256 differs from the manifest (corrupted)' });
  }
  return bad;
}

/** A temp directory of links to exactly `files`: myloader loads everything it finds in a directory. */
export async function stageFiles(dir: string, files: readonly BackupFile[]): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'shardship-restore-'));
  await mkdir(path, { recursive: true });
  for (const f of files) await symlink(join(dir, f.path), join(path, basename(f.path)));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
