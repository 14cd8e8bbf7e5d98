// GitRepo on real repositories: the answers the gate relies on, whatever library runs git.
// Each case here is one where simple-git's defaults differ from plain git: a non-zero exit with
// nothing on stderr counts as success there, its option guard reads revisions as options, it
// strips or refuses GIT_* variables, and it never closes stdin for empty input.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../../pipeline/core/errors.js';
import { changedPaths } from '../../../pipeline/git/diff.js';
import { GitRepo } from '../../../pipeline/git/repo.js';
import { tempDir, removeDir } from '../../support/service.js';
import { GIT_ENV, TempRepo } from '../../unit/gate/git-fixture.js';

let r: TempRepo;
let c1: string;
let c2: string;
let side: string;
beforeAll(() => {
  r = TempRepo.create({ prefix: 'git-repo' });
  c1 = r.commit('chore: one', { 'a.txt': 'one\n' });
  c2 = r.commit('feat: two', { 'a.txt': 'two\n' });
  r.git('checkout', '-q', '--orphan', 'side');
  side = r.commit('chore: unrelated root', { 'b.txt': 'b\n' });
  r.git('checkout', '-q', 'main');
});
afterAll(() => r.remove());

describe('GitRepo answers', () => {
  it('isAncestor is false when git says no (exit 1, nothing on stderr)', async () => {
    const repo = new GitRepo(r.dir);
    expect(await repo.isAncestor(c1, c2)).toBe(true);
    expect(await repo.isAncestor(c2, c1)).toBe(false);
    expect(await repo.isAncestor(side, c2)).toBe(false);
  });

  it('a question git answers with a silent exit 1 is "no", not an empty answer', async () => {
    const repo = new GitRepo(r.dir);
    expect(await repo.mergeBase(c2, side)).toBeUndefined();
    expect(await repo.mergeBase(c1, c2)).toBe(c1);
    expect(await repo.configValue('shardship.no-such-key')).toBeUndefined();
    expect(await repo.resolveCommit('no-such-branch')).toBeUndefined();
  });

  it('the empty tree comes back at once (no stdin left open)', async () => {
    const repo = new GitRepo(r.dir);
    expect(await repo.emptyTree()).toBe(r.git('hash-object', '-t', 'tree', '/dev/null').trim());
  }, 20_000);

  it('a git failure is a typed error: outside a repository it is a usage error', async () => {
    const dir = tempDir('git-not-a-repo');
    try {
      await expect(new GitRepo(dir, { ...GIT_ENV, GIT_CEILING_DIRECTORIES: dir }).isShallow()).rejects.toBeInstanceOf(UsageError);
    } finally {
      removeDir(dir);
    }
  });
});

describe('refs named like options resolve as revisions', () => {
  // Each is a legal ref name that an option parser reads as an option, several of them options
  // simple-git's guard refuses (--upload-pack, --exec, --template, -c / --config).
  const NAMES = ['--exec', '--upload-pack=evil', '--template=evil', '-cfoo.bar=baz', '--config=core.pager=evil', '-rf', '--output=evil'];

  it('resolveCommit answers each with the commit it names, running nothing', async () => {
    for (const [i, name] of NAMES.entries()) r.git('update-ref', `refs/heads/${name}`, i % 2 ? c1 : c2);
    const warnings = vi.fn();
    process.on('warning', warnings);
    try {
      const repo = new GitRepo(r.dir);
      const got = await Promise.all(NAMES.map((name) => repo.resolveCommit(name)));
      expect(got).toEqual(NAMES.map((_, i) => (i % 2 ? c1 : c2)));
      expect(await repo.resolveCommit(`${NAMES[0]}~1`)).toBe(c1);
      // A line break cannot be a ref name: no commit, and no second name smuggled in.
      expect(await repo.resolveCommit(`HEAD\n${c1}`)).toBeUndefined();
      expect(existsSync(join(r.dir, 'evil'))).toBe(false);
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      process.off('warning', warnings);
      for (const name of NAMES) r.git('update-ref', '-d', `refs/heads/${name}`);
    }
  });
});

describe('the caller’s GIT_* environment reaches git (as in hooks)', () => {
  it('GIT_INDEX_FILE (git commit -a runs pre-commit with a temporary index) is the index read', async () => {
    const other = join(r.dir, '.git', 'other-index');
    const env = { ...GIT_ENV, GIT_INDEX_FILE: other };
    r.gitBuffer(['read-tree', 'HEAD'], undefined, env);
    const blob = r.gitBuffer(['hash-object', '-w', '--stdin'], 'staged elsewhere\n').toString().trim();
    r.gitBuffer(['update-index', '--add', '--cacheinfo', `100644,${blob},only-in-other.txt`], undefined, env);
    const plain = await changedPaths(new GitRepo(r.dir, GIT_ENV), { from: c2, to: 'INDEX' });
    const hooked = await changedPaths(new GitRepo(r.dir, env), { from: c2, to: 'INDEX' });
    expect(plain.map((f) => f.path)).toEqual([]);
    expect(hooked.map((f) => f.path)).toEqual(['only-in-other.txt']);
  });

  it('GIT_OBJECT_DIRECTORY (a pre-receive quarantine) is where new objects are found', async () => {
    const quarantine = join(r.dir, '.git', 'objects', 'tmp_objdir-incoming-test');
    mkdirSync(quarantine, { recursive: true });
    const hookEnv = { ...GIT_ENV, GIT_OBJECT_DIRECTORY: quarantine, GIT_ALTERNATE_OBJECT_DIRECTORIES: join(r.dir, '.git', 'objects'), GIT_QUARANTINE_PATH: quarantine };
    const blob = r.gitBuffer(['hash-object', '-w', '--stdin'], 'pushed, not yet accepted\n', hookEnv).toString().trim();
    const outside = new GitRepo(r.dir, GIT_ENV);
    const inside = new GitRepo(r.dir, hookEnv);
    expect((await outside.blobSizes([blob])).get(blob)).toBeUndefined();
    expect((await inside.blobSizes([blob])).get(blob)).toBe(25);
    expect((await inside.blobHead(blob, 6))?.toString()).toBe('pushed');
    expect(await inside.resolveCommit(c2)).toBe(c2); // the repository's own objects, through the alternate
  });

  it('variables git sets for hooks (GIT_EDITOR, GIT_EXEC_PATH, GIT_CONFIG_PARAMETERS) pass through', async () => {
    const hookEnv = {
      ...GIT_ENV,
      GIT_EDITOR: ':',
      GIT_EXEC_PATH: r.git('--exec-path').trim(),
      GIT_PREFIX: '',
      // `git -c core.commentChar=';' commit` hands its -c settings to the hooks this way.
      GIT_CONFIG_PARAMETERS: "'core.commentchar'=';'",
    };
    const repo = new GitRepo(r.dir, hookEnv);
    expect(await repo.configValue('core.commentChar')).toBe(';');
    expect(await repo.resolveCommit('HEAD')).toBe(c2);
  });
});
