import { describe, expect, it } from 'vitest';
import { foldPatch, parseRawZ } from '../../../pipeline/git/diff.js';
import { decodeMessage } from '../../../pipeline/git/log.js';
import { parseRefUpdates } from '../../../pipeline/gate/pre-receive.js';
import { cleanEditedMessage } from '../../../pipeline/gate/subject.js';
import { UsageError } from '../../../pipeline/core/errors.js';

async function* lines(text: string) {
  for (const l of text.split('\n')) yield await Promise.resolve(l);
}

const Z = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('raw diff parsing', () => {
  it('reads statuses, renames, submodules and odd paths from --raw -z', () => {
    const raw = [
      `:000000 100644 ${Z} ${A} A`, 'new file.txt',
      `:100644 100644 ${A} ${B} R087`, 'old/name.ts', 'new/näme.ts',
      `:160000 160000 ${A} ${B} M`, 'vendor/lib',
      `:100644 000000 ${A} ${Z} D`, 'gone',
      `:100644 120000 ${A} ${B} T`, 'link',
      '',
    ].join('\0');
    expect(parseRawZ(raw)).toEqual([
      { status: 'added', letter: 'A', path: 'new file.txt', newId: A, submodule: false },
      { status: 'renamed', letter: 'R', path: 'new/näme.ts', oldPath: 'old/name.ts', newId: B, submodule: false },
      { status: 'modified', letter: 'M', path: 'vendor/lib', newId: B, submodule: true },
      { status: 'deleted', letter: 'D', path: 'gone', newId: Z, submodule: false },
      { status: 'type-changed', letter: 'T', path: 'link', newId: B, submodule: false },
    ]);
  });

  it('folds a -U0 patch into added lines with new-side line numbers', async () => {
    const entries = parseRawZ([`:000000 100644 ${Z} ${A} A`, 'bin.png', `:100644 120000 ${A} ${B} T`, 'link', `:100644 100644 ${A} ${B} M`, 'g.ts', `:160000 160000 ${A} ${B} M`, 'sub', ''].join('\0'));
    const patch = [
      'diff --git a/bin.png b/bin.png',
      'new file mode 100644',
      'Binary files /dev/null and b/bin.png differ',
      // A type change prints two headers: the deletion, then the addition.
      'diff --git a/link b/link',
      'deleted file mode 100644',
      '--- a/link',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-old',
      'diff --git a/link b/link',
      'new file mode 120000',
      '--- /dev/null',
      '+++ b/link',
      '@@ -0,0 +1 @@',
      '+target',
      '\\ No newline at end of file',
      'diff --git a/g.ts b/g.ts',
      '--- a/g.ts',
      '+++ b/g.ts',
      '@@ -1,0 +2,2 @@ function x() {',
      '+two',
      '++three',
      '@@ -10 +12 @@',
      '-ten',
      '+twelve',
      'diff --git a/sub b/sub',
      '@@ -1 +1 @@',
      '-Subproject commit aaaa',
      '+Subproject commit bbbb',
    ].join('\n');
    const files = await foldPatch(lines(patch), entries, { maxLinesPerFile: 100, maxLineLength: 100 });
    expect(files.map((f) => [f.path, f.binary, f.addedLines])).toEqual([
      ['bin.png', true, []],
      ['link', false, [{ line: 1, text: 'target' }]],
      ['g.ts', false, [{ line: 2, text: 'two' }, { line: 3, text: '+three' }, { line: 12, text: 'twelve' }]],
      ['sub', false, []],
    ]);
  });

  it('caps added lines per file and line length, marking the file truncated', async () => {
    const entries = parseRawZ([`:000000 100644 ${Z} ${A} A`, 'big.txt', ''].join('\0'));
    const body = Array.from({ length: 50 }, (_, i) => `+line ${i} ${'x'.repeat(i)}`).join('\n');
    const [file] = await foldPatch(lines(`diff --git a/big.txt b/big.txt\n@@ -0,0 +1,50 @@\n${body}`), entries, { maxLinesPerFile: 10, maxLineLength: 12 });
    expect(file!.addedLines).toHaveLength(10);
    expect(file!.truncated).toBe(true);
    expect(file!.addedLines[9]).toEqual({ line: 10, text: 'line 9 xxxxx' });
  });
});

describe('pre-receive input', () => {
  it('parses several refs, deletions and new branches', () => {
    expect(parseRefUpdates(`${Z} ${A} refs/heads/new\n${A} ${Z} refs/heads/old\n\n${A} ${B} refs/tags/v1\n`)).toEqual([
      { oldSha: Z, newSha: A, ref: 'refs/heads/new' },
      { oldSha: A, newSha: Z, ref: 'refs/heads/old' },
      { oldSha: A, newSha: B, ref: 'refs/tags/v1' },
    ]);
  });

  it('refuses garbage with the line number', () => {
    expect(() => parseRefUpdates(`${A} ${B} refs/heads/x\nnonsense\n`)).toThrow(UsageError);
    expect(() => parseRefUpdates('nonsense')).toThrow(/line 1/);
  });
});

describe('commit message text', () => {
  it('strips comments and everything below the scissors, like git does', () => {
    expect(cleanEditedMessage('\nfeat: x\n\nbody  \n# comment\n# ------------------------ >8 ------------------------\ndiff here\n')).toBe('feat: x\n\nbody\n');
    expect(cleanEditedMessage('fix: y\n; note\n', ';')).toBe('fix: y\n');
  });

  it('decodes UTF-8, falls back to the configured encoding, then latin1, never throwing', () => {
    expect(decodeMessage(Buffer.from('feat: café ☕'))).toBe('feat: café ☕');
    expect(decodeMessage(Buffer.from([0x66, 0x3a, 0x20, 0xe9]), 'ISO-8859-1')).toBe('f: é');
    expect(decodeMessage(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'no-such-encoding')).toBe('café');
    expect(decodeMessage(Buffer.from([0xff, 0xfe, 0x00]))).toBe('ÿþ\0');
  });
});
