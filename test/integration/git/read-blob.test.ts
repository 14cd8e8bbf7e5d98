// GitRepo.readBlob: reads asked for together share one `git cat-file --batch`, and each
// answer is the right blob (or undefined) whatever else is in the batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRepo } from '../../../pipeline/git/repo.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';

let fixture: TempRepo;
const binary = Buffer.from([0, 1, 2, 10, 255, 10, 10, 0]);
beforeAll(() => {
  fixture = TempRepo.create({ prefix: 'read-blob' });
  fixture.commit('chore: one', { 'src/a.ts': 'export const a = 1;\n', 'with space.txt': 'spaced\n', 'blob.bin': binary, 'line\nbreak.txt': 'odd name\n' });
  fixture.write('src/a.ts', 'export const a = 2;\n');
  fixture.git('add', 'src/a.ts'); // staged, not committed: the index differs from HEAD
});
afterAll(() => fixture.remove());

describe('GitRepo.readBlob', () => {
  it('answers a batch of reads, each with its own blob or undefined', async () => {
    const repo = new GitRepo(fixture.dir);
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
    const repo = new GitRepo(fixture.dir);
    expect((await repo.readBlob('HEAD', 'with space.txt'))?.toString()).toBe('spaced\n');
    expect(await repo.readBlob('HEAD', 'nope.txt')).toBeUndefined();
  });
});
