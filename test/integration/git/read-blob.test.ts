// GitRepo.readBlob: reads asked for together share one `git cat-file --batch`, and each
// answer is the right blob (or undefined) whatever else is in the batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo } from '../../../pipeline/git/repo.js';
import { removeDir, tempDir } from '../../support/service.js';

let dir: string;
const binary = Buffer.from([0, 1, 2, 10, 255, 10, 10, 0]);
beforeAll(() => {
  dir = tempDir('read-blob');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.com' } });
  git('init', '-q', '-b', 'main');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'with space.txt'), 'spaced\n');
  writeFileSync(join(dir, 'blob.bin'), binary);
  writeFileSync(join(dir, 'line\nbreak.txt'), 'odd name\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'chore: one');
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const a = 2;\n');
  git('add', 'src/a.ts'); // staged, not committed: the index differs from HEAD
});
afterAll(() => removeDir(dir));

describe('GitRepo.readBlob', () => {
  it('answers a batch of reads, each with its own blob or undefined', async () => {
    const repo = new GitRepo(dir);
    const [head, index, spaced, bin, tree, missing, badRev, odd] = await Promise.all([
      repo.readBlob('HEAD', 'src/a.ts'),
      repo.readBlob('', 'src/a.ts'),
      repo.readBlob('HEAD', 'with space.txt'),
      repo.readBlob('HEAD', 'blob.bin'),
      repo.readBlob('HEAD', 'src'),
      repo.readBlob('HEAD', 'nope.txt'),
      repo.readBlob('no-such-branch', 'src/a.ts'),
      repo.readBlob('HEAD', 'line\nbreak.txt'),
    ]);
    expect(head?.toString()).toBe('export const a = 1;\n');
    expect(index?.toString()).toBe('export const a = 2;\n');
    expect(spaced?.toString()).toBe('spaced\n');
    expect(bin && Buffer.compare(bin, binary)).toBe(0);
    expect(tree).toBeUndefined();
    expect(missing).toBeUndefined();
    expect(badRev).toBeUndefined();
    expect(odd?.toString()).toBe('odd name\n');
  });

  it('reads one after another as well as together', async () => {
    const repo = new GitRepo(dir);
    expect((await repo.readBlob('HEAD', 'with space.txt'))?.toString()).toBe('spaced\n');
    expect(await repo.readBlob('HEAD', 'nope.txt')).toBeUndefined();
  });
});
