// The changes between two trees (or a tree and the index), as plain data. Metadata comes
// from `--raw -z` (robust paths), added lines from a streamed `-p -U0` (bounded memory:
// at most `maxLinesPerFile` lines kept per file, the rest counted and marked truncated; a
// rule that must see every line, like the secrets scan, streams them with streamAddedLines).
// Binary is decided by content (a NUL byte in the first 8,000 bytes, git's own test), not by
// a `-diff` attribute: lockfiles are commonly marked -diff and are text to scan.
import pLimit from 'p-limit';
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

/** Files changed between two sides, without their lines (`--raw` only): cheap on any size of change. */
export async function changedPaths(repo: GitRepo, sides: DiffSides): Promise<ChangedFile[]> {
  const entries = parseRawZ(await repo.text([...diffArgs(sides), '-z', '--raw', '--no-abbrev']));
  return entries.map((e) => ({ path: e.path, ...(e.oldPath !== undefined ? { oldPath: e.oldPath } : {}), status: e.status, binary: false, submodule: e.submodule, addedLines: [] }));
}

/** One blob as a file whose every line is added (a tag pointing at a blob), within the same limits. */
export async function blobAsFile(repo: GitRepo, id: string, path: string, limits: DiffLimits = DEFAULT_DIFF_LIMITS): Promise<ChangedFile> {
  const file: ChangedFile = { path, status: 'added', binary: !(await isTextBlob(repo, id)), submodule: false, addedLines: [] };
  const size = (await repo.blobSizes([id])).get(id);
  if (size !== undefined) file.sizeBytes = size;
  if (!file.binary) for await (const added of streamBlobLines(repo, id)) addLine(file, added, limits);
  return file;
}

/** A blob's lines, numbered from 1, streamed. */
export async function* streamBlobLines(repo: GitRepo, id: string): AsyncGenerator<AddedLine> {
  let n = 0;
  for await (const text of repo.lines(['cat-file', 'blob', id])) yield { line: ++n, text };
}

/** Changed files with added lines and blob sizes between two sides. */
export async function diffFiles(repo: GitRepo, sides: DiffSides, limits: DiffLimits = DEFAULT_DIFF_LIMITS): Promise<ChangedFile[]> {
  const base = diffArgs(sides);
  const raw = await repo.text([...base, '-z', '--raw', '--no-abbrev']);
  const entries = parseRawZ(raw);
  if (!entries.length) return [];
  const files = await foldPatch(repo.lines([...base, '-p', '-U0', '--no-textconv']), entries, limits);
  // git says "Binary files differ" for a `-diff` attribute too: re-read those that are text.
  // A few git processes at a time: a commit may carry thousands of binary files.
  const limit = pLimit(4);
  const asText = async (i: number) => {
    const f = files[i]!;
    const e = entries[i]!;
    if (!(await isTextBlob(repo, e.newId))) return;
    const one: RawEntry = { ...e, letter: e.letter === 'T' ? 'T' : 'M' };
    const [text] = await foldPatch(repo.lines([...base, '-p', '-U0', '--no-textconv', '--text', '--', literal(e.path)]), [one], limits);
    files[i] = { ...text!, status: f.status, ...(f.oldPath !== undefined ? { oldPath: f.oldPath } : {}) };
  };
  await Promise.all(files.map((f, i) => (f.binary && !f.submodule && f.status !== 'deleted' && !ZERO_SHA.test(entries[i]!.newId) ? limit(() => asText(i)) : Promise.resolve())));
  const ids = entries.filter((e) => e.status !== 'deleted' && !e.submodule && !ZERO_SHA.test(e.newId)).map((e) => e.newId);
  const sizes = await repo.blobSizes([...new Set(ids)]);
  files.forEach((f, i) => {
    const size = sizes.get(entries[i]!.newId);
    if (size !== undefined && f.status !== 'deleted') f.sizeBytes = size;
  });
  return files;
}

/** A pathspec that means exactly this path (no globbing, no magic). */
function literal(path: string): string {
  return `:(literal)${path}`;
}

/** git's own test for binary content: a NUL byte in the first 8,000 bytes. */
async function isTextBlob(repo: GitRepo, id: string): Promise<boolean> {
  const head = await repo.blobHead(id, 8000);
  return head !== undefined && !head.includes(0);
}

/**
 * Every added line of one file between two sides, streamed and uncapped, for a check that may
 * not skip any (secrets): the diff's kept lines stop at the limits. Always as text; the caller
 * skips content that is binary. A path-limited diff loses rename pairing, so a renamed file's
 * lines all count as added (more to scan, never less).
 */
export async function* streamAddedLines(repo: GitRepo, sides: DiffSides, path: string): AsyncGenerator<AddedLine> {
  let inHunk = false;
  let newLine = 0;
  for await (const line of repo.lines([...diffArgs(sides), '-p', '-U0', '--no-textconv', '--text', '--', literal(path)])) {
    if (line.startsWith('diff --git ')) {
      inHunk = false;
      continue;
    }
    const m = line.startsWith('@@') ? HUNK.exec(line) : null;
    if (m) {
      inHunk = true;
      newLine = Number(m[1]);
      continue;
    }
    if (!inHunk) continue;
    const c = line.charAt(0);
    if (c === '+') yield { line: newLine++, text: line.slice(1) };
    else if (c === ' ') newLine++;
  }
}
