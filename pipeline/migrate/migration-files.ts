// Migration files: Flyway naming (`V<version>__<description>.sql`), ordered by version
// compared numerically part by part, with a sha256 checksum of the exact bytes (the
// history table records it; a changed applied file is refused).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { splitStatements, TokenizeError } from './sql-tokens.js';

export interface MigrationStatement {
  /** 1-based position in the file. */
  number: number;
  sql: string;
  /** 1-based line of the statement's first token. */
  line: number;
  /**
   * Marked `-- shardship: all-shards` (on the line before the statement, or inside it): an
   * UPDATE/DELETE on a sharded table without a sharding-column condition may run on every shard.
   */
  allShards?: boolean;
}

const ALL_SHARDS = /\bshardship:\s*all-shards\b/;

export interface MigrationFile {
  version: string;
  description: string;
  /** Path as shown to people (relative to the working directory when read with one). */
  file: string;
  checksum: string;
  text: string;
  statements: MigrationStatement[];
  /** Comments with their lines (for `-- shardship-disable-next-line RULE`). */
  comments: { line: number; text: string }[];
}

/**
 * `V<version>__<description>.sql`, the description without whitespace or path separators. The
 * one rule for what counts as a versioned migration: the gate parses names with it too.
 */
export const VERSIONED_MIGRATION_NAME = /^V(\d+(?:[._]\d+)*)__([^\s/\\]+)\.sql$/;

/** Parse a file name; undefined when it is not a versioned migration. */
export function parseMigrationName(name: string): { version: string; description: string } | undefined {
  const m = VERSIONED_MIGRATION_NAME.exec(name);
  if (!m) return undefined;
  return { version: m[1]!.replace(/_/g, '.'), description: m[2]!.replace(/_/g, ' ') };
}

/** Numeric comparison of dotted versions: 1.10 > 1.9, 2 = 2.0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[._]/).map((p) => BigInt(p));
  const pb = b.split(/[._]/).map((p) => BigInt(p));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Build a MigrationFile from a name and its bytes (also used by the gate on files at head). */
export function parseMigrationFile(file: string, bytes: Buffer): MigrationFile {
  const base = file.split(/[/\\]/).pop() ?? file;
  const name = parseMigrationName(base);
  if (!name) throw new ConfigError([badName(file)]);
  const text = bytes.toString('utf8');
  let split;
  try {
    split = splitStatements(text);
  } catch (e) {
    if (!(e instanceof TokenizeError)) throw e;
    throw new ConfigError([{ path: '', message: e.message, position: { file, line: e.line, column: 1 }, hint: 'close the string or comment' }], {
      cause: e,
    });
  }
  return {
    ...name,
    file,
    checksum: sha256(bytes),
    text,
    statements: split.statements.map((s, i) => {
      const last = s.line + (s.sql.match(/\n/g)?.length ?? 0);
      const marked = split.comments.some((c) => c.line >= s.line - 1 && c.line <= last && ALL_SHARDS.test(c.text));
      return { number: i + 1, sql: s.sql, line: s.line, ...(marked ? { allShards: true } : {}) };
    }),
    comments: split.comments,
  };
}

function badName(file: string): ConfigProblem {
  return {
    path: '',
    message: `"${file}" is not a versioned migration name`,
    position: { file, line: 1, column: 1 },
    hint: 'name it V<version>__<description>.sql, e.g. V3__add_order_note.sql or V2024.06.01__x.sql (repeatable/undo migrations are not supported)',
  };
}

/**
 * Read every `.sql` file in `dir`, ordered by version. Other files are ignored; a `.sql`
 * file with a bad name or two files with the same version is a ConfigError.
 */
export async function readMigrations(dir: string, opts: { cwd?: string } = {}): Promise<MigrationFile[]> {
  const shown = (p: string): string => (opts.cwd ? relative(opts.cwd, p) || p : p);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new ConfigError(
      [{ path: 'migrate.directory', message: `cannot read the migrations directory ${shown(dir)}: ${(e as Error).message}`, hint: 'create it or set migrate.directory' }],
      { cause: e },
    );
  }
  const problems: ConfigProblem[] = [];
  const files: MigrationFile[] = [];
  for (const name of names.filter((n) => n.toLowerCase().endsWith('.sql')).sort()) {
    const path = join(dir, name);
    if (!parseMigrationName(name)) {
      problems.push(badName(shown(path)));
      continue;
    }
    try {
      files.push(parseMigrationFile(shown(path), await readFile(path)));
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  files.sort((a, b) => compareVersions(a.version, b.version));
  for (let i = 1; i < files.length; i++) {
    if (compareVersions(files[i - 1]!.version, files[i]!.version) === 0) {
      problems.push({
        path: '',
        message: `version ${files[i]!.version} is used twice (${files[i - 1]!.file} and ${files[i]!.file})`,
        position: { file: files[i]!.file, line: 1, column: 1 },
        hint: 'give the newer file the next free version',
      });
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return files;
}
