// readSource through the git adapter on real repositories: the commit, its time and tags, the
// branch and a credential-free web URL of origin; a checkout without a commit is a usage error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSource } from '../../../pipeline/build/source.js';
import { UsageError } from '../../../pipeline/core/errors.js';
import { GitRepo } from '../../../pipeline/git/repo.js';
import { removeDir, tempDir } from '../../support/service.js';
import { GIT_ENV, TempRepo } from '../../unit/gate/git-fixture.js';

let r: TempRepo;
let sha: string;
beforeAll(() => {
  r = TempRepo.create({ prefix: 'build-source' });
  sha = r.commit('feat: one', { 'a.txt': 'a\n' });
  r.git('tag', 'v1.2.3');
  r.git('update-ref', 'refs/tags/-rf', sha); // a tag named like an option is still just a tag
  r.git('remote', 'add', 'origin', 'https://user:s3cret@git.example.com/team/loans.git');
  r.git('checkout', '-q', '-b', 'feature/x');
});
afterAll(() => r.remove());

describe('readSource', () => {
  it('reads the commit, its time and tags, the branch and the web URL of origin', async () => {
    const source = await readSource(new GitRepo(r.dir, GIT_ENV), {});
    expect(source).toEqual({
      sha,
      commitTime: Number(r.git('log', '-1', '--format=%ct').trim()),
      gitTags: ['-rf', 'v1.2.3'],
      branch: 'feature/x',
      ref: 'refs/heads/feature/x',
      sourceUrl: 'https://git.example.com/team/loans',
    });
  });

  it('a detached HEAD has no branch; the CI ref and server URL win', async () => {
    r.git('checkout', '-q', '--detach');
    try {
      const source = await readSource(new GitRepo(r.dir, GIT_ENV), { GITHUB_REF: 'refs/pull/7/merge', GITHUB_SERVER_URL: 'https://github.com/', GITHUB_REPOSITORY: 'o/r' });
      expect(source).toMatchObject({ sha, pr: 7, ref: 'refs/pull/7/merge', sourceUrl: 'https://github.com/o/r' });
      expect(source.branch).toBeUndefined();
    } finally {
      r.git('checkout', '-q', 'feature/x');
    }
  });

  it('a repository without a commit, or no repository, is a usage error', async () => {
    const empty = TempRepo.create({ prefix: 'build-source-empty' });
    const none = tempDir('build-source-none');
    try {
      await expect(readSource(new GitRepo(empty.dir, GIT_ENV), {})).rejects.toThrow(/is not a git checkout with a commit/);
      await expect(readSource(new GitRepo(none, { ...GIT_ENV, GIT_CEILING_DIRECTORIES: none }), {})).rejects.toBeInstanceOf(UsageError);
    } finally {
      empty.remove();
      removeDir(none);
    }
  });
});
