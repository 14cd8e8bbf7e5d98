// The changes between two trees (or a tree and the index), as plain data. Metadata comes
// from `--raw -z` (robust paths), added lines from a streamed `-p -U0` (bounded memory:
// at most `maxLinesPerFile` lines kept per file, the rest counted and marked truncated).
import type { AddedLine, ChangeStatus, ChangedFile } from '../gate/types.js';
import { ZERO_SHA, type GitRepo } from './repo.js';

export interface DiffLimits {
  /** Added lines kept per file; further lines are dropped and the file is marked truncated. */
  maxLinesPerFile: number;
  /** Characters kept per added line. */
  maxLineLength: number;
}

export const DEFAULT_DIFF_LIMITS: DiffLimits = { maxLinesPerFile: 5000, maxLineLength: 2000 };

const SUBMODULE_MODE = '160000';

interface RawEntry {
  status: ChangeStatus;
  letter: string;
  path: string;
  oldPath?: string;
  newId: string;
  submodule: boolean;
}

const STATUS: Record<string, ChangeStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type-changed',
};

/** Parse `git diff-* --raw -z` output. */
export function parseRawZ(out: string): RawEntry[] {
  const parts = out.split('\0');
  const entries: RawEntry[] = [];
  let i = 0;
  while (i < parts.length) {
    const meta = parts[i++];
    if (!meta?.startsWith(':')) continue;
    const [oldMode, newMode, , newId, statusField] = meta.slice(1).split(' ') as [string, string, string, string, string];
    const letter = statusField.charAt(0);
    const first = parts[i++] ?? '';
    let path = first;
    let oldPath: string | undefined;
    if (letter === 'R' || letter === 'C') {
      oldPath = first;
      path = parts[i++] ?? '';
    }
    entries.push({
      status: STATUS[letter] ?? 'modified',
      letter,
      path,
      ...(oldPath !== undefined ? { oldPath } : {}),
      newId,
      submodule: oldMode === SUBMODULE_MODE || newMode === SUBMODULE_MODE,
    });
  }
  return entries;
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/**
 * Fold a streamed `-p -U0` patch into the raw entries' added lines. Files come out in the same
 * order as `--raw`; a type change is printed as a deletion followed by an addition (two headers).
 */
export async function foldPatch(lines: AsyncIterable<string>, entries: RawEntry[], limits: DiffLimits): Promise<ChangedFile[]> {
  const files: ChangedFile[] = entries.map((e) => ({
    path: e.path,
    ...(e.oldPath !== undefined ? { oldPath: e.oldPath } : {}),
    status: e.status,
    binary: false,
    submodule: e.submodule,
    addedLines: [],
  }));
  let idx = -1;
  let headersLeft = 0;
  let cur: ChangedFile | undefined;
  let inHunk = false;
  let newLine = 0;
  for await (const line of lines) {
    if (line.startsWith('diff --git ')) {
      if (headersLeft > 0) {
        headersLeft--;
      } else {
        idx++;
        headersLeft = entries[idx]?.letter === 'T' ? 1 : 0;
      }
      cur = files[idx];
      inHunk = false;
      continue;
    }
    if (!cur) continue;
    if (!inHunk) {
      if (line.startsWith('Binary files ') || line === 'GIT binary patch') cur.binary = true;
      const m = HUNK.exec(line);
      if (m) {
        inHunk = true;
        newLine = Number(m[1]);
      }
      continue;
    }
    const c = line.charAt(0);
    if (c === '@') {
      const m = HUNK.exec(line);
      if (m) newLine = Number(m[1]);
    } else if (c === '+') {
      if (!cur.submodule) addLine(cur, { line: newLine, text: line.slice(1) }, limits);
      newLine++;
    } else if (c === ' ') {
      newLine++;
    }
    // '-' and '\ No newline at end of file' do not move the new-side counter.
  }
  return files;
}

function addLine(file: ChangedFile, added: AddedLine, limits: DiffLimits): void {
  if (file.addedLines.length >= limits.maxLinesPerFile) {
    file.truncated = true;
    return;
  }
  if (added.text.length > limits.maxLineLength) {
    added.text = added.text.slice(0, limits.maxLineLength);
    file.truncated = true;
  }
  file.addedLines.push(added);
}

/** What to compare: two commits/trees, or a tree against the index (staged changes). */
export interface DiffSides {
  from: string;
  /** A commit or tree, or 'INDEX' for the staged changes. */
  to: string;
}

const COMMON = ['-r', '-M', '--no-color', '--no-ext-diff', '--ignore-submodules=none'];

function diffArgs(sides: DiffSides): string[] {
  return sides.to === 'INDEX' ? ['diff-index', '--cached', ...COMMON, sides.from] : ['diff-tree', ...COMMON, sides.from, sides.to];
}

/** Changed files with added lines and blob sizes between two sides. */
export async function diffFiles(repo: GitRepo, sides: DiffSides, limits: DiffLimits = DEFAULT_DIFF_LIMITS): Promise<ChangedFile[]> {
  const base = diffArgs(sides);
  const raw = await repo.text([...base, '-z', '--raw', '--no-abbrev']);
  const entries = parseRawZ(raw);
  if (!entries.length) return [];
  const files = await foldPatch(repo.lines([...base, '-p', '-U0', '--no-textconv']), entries, limits);
  const ids = entries.filter((e) => e.status !== 'deleted' && !e.submodule && !ZERO_SHA.test(e.newId)).map((e) => e.newId);
  const sizes = await repo.blobSizes([...new Set(ids)]);
  files.forEach((f, i) => {
    const size = sizes.get(entries[i]!.newId);
    if (size !== undefined && f.status !== 'deleted') f.sizeBytes = size;
  });
  return files;
}


