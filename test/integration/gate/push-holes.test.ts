// Pushes that went through the pre-receive hook unchecked (issue 13): tags at blobs and trees,
// and a force push that rewinds a branch past an applied migration. Real bare repository, the
// generated hook, real `git push`; and the same in process for the exact verdicts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { preReceiveHookScript } from '../../../pipeline/gate/hooks.js';
import { runGate } from '../../../pipeline/gate/run.js';
import { GIT_ENV, TempRepo } from '../../unit/gate/git-fixture.js';

const SLACK = 'xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn';
const config = ShardshipConfig.parse({ version: 1 });
const table = (name: string) => `CREATE TABLE ${name} (id BIGINT NOT NULL PRIMARY KEY) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n`;

/** A tree holding `blob` at each of `paths` (folders included), written to the repo's objects. */
function treeOf(r: TempRepo, blob: string, paths: string[]): string {
  const entries: string[] = [];
  const folders = new Map<string, string[]>();
  for (const p of paths) {
    const [head, ...rest] = p.split('/');
    if (rest.length === 0) entries.push(`100644 blob ${blob}\t${head}`);
    else folders.set(head!, [...(folders.get(head!) ?? []), rest.join('/')]);
  }
  for (const [dir, inner] of folders) entries.push(`040000 tree ${treeOf(r, blob, inner)}\t${dir}`);
  return r.gitBuffer(['mktree'], entries.join('\n') + '\n').toString().trim();
}

describe('pre-receive: every object a push makes reachable is checked (real push)', { timeout: 600_000 }, () => {
  let server: TempRepo;
  let client: TempRepo;
  beforeAll(() => {
    server = TempRepo.create({ bare: true, prefix: 'holes-server' });
    const hook = join(server.dir, 'hooks', 'pre-receive');
    writeFileSync(hook, preReceiveHookScript());
    chmodSync(hook, 0o755);
    client = TempRepo.create({ prefix: 'holes-client' });
    client.git('remote', 'add', 'origin', server.dir);
    client.commit('feat: skeleton', { 'README.md': '# svc\n', 'migrations/V1__init.sql': table('a') });
  });
  afterAll(() => {
    server.remove();
    client.remove();
  });
  const push = (...args: string[]) => {
    const r = spawnSync('git', ['push', 'origin', ...args], { cwd: client.dir, env: GIT_ENV, encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  };
  const onServer = (ref: string) => spawnSync('git', ['rev-parse', '--verify', '-q', ref], { cwd: server.dir }).status === 0;

  it('rejects a tag that points at a blob holding a secret, and one at a tree holding it', () => {
    expect(push('main').status).toBe(0);
    const blob = client.gitBuffer(['hash-object', '-w', '--stdin'], `token = "${SLACK}"\n`).toString().trim();
    client.git('tag', 'blobtag', blob);
    const res = push('blobtag');
    expect(res.status).not.toBe(0);
    expect(res.output).toMatch(/remote: .*possible secret/);
    expect(res.output).not.toContain('abcdefghijABCDEFGHIJ');
    expect(onServer('refs/tags/blobtag')).toBe(false);

    const tree = treeOf(client, blob, ['config/keys.txt']);
    client.git('tag', '-a', '-m', 'a tree', 'treetag', tree);
    const byTree = push('treetag');
    expect(byTree.status).not.toBe(0);
    expect(byTree.output).toMatch(/remote: .*config\/keys\.txt/);
    expect(byTree.output).toMatch(/remote: .*possible secret/);
    expect(onServer('refs/tags/treetag')).toBe(false);
  });

  it('rejects a force push that rewinds main past an applied migration', () => {
    client.commit('feat: loans table', { 'migrations/V2__loans.sql': table('loans') });
    expect(push('main').status).toBe(0);
    client.git('reset', '-q', '--hard', 'HEAD~1');
    const rewind = push('--force', 'main');
    expect(rewind.status).not.toBe(0);
    expect(rewind.output).toMatch(/remote: .*applied migration migrations\/V2__loans\.sql/);
    // The server still has V2, so a different V2 is caught as a duplicate version.
    client.commit('feat: other table', { 'migrations/V2__other.sql': table('other') });
    const reuse = push('--force', 'main');
    expect(reuse.status).not.toBe(0);
    expect(reuse.output).toMatch(/migrations\/V2__loans\.sql/);
  });
});

describe('pre-receive verdicts for tags and rewinds (in process)', () => {
  it('checks a tree a tag points at like the files of a commit, and a plain blob as one file', async () => {
    const r = TempRepo.create({ prefix: 'holes' });
    try {
      const c1 = r.commit('feat: one', { 'a.txt': '1\n' });
      const blob = r.gitBuffer(['hash-object', '-w', '--stdin'], `token = "${SLACK}"\n`).toString().trim();
      const tree = treeOf(r, blob, ['config/keys.txt', '.env']);
      const gate = (newSha: string, ref: string) => runGate({ repoDir: r.dir, config, mode: { kind: 'pre-receive', updates: [{ oldSha: '0'.repeat(40), newSha, ref }] } });
      const byTree = await gate(tree, 'refs/tags/t');
      expect(byTree.passed).toBe(false);
      expect(byTree.findings.map((f) => [f.ruleId, f.file])).toEqual(
        expect.arrayContaining([
          ['diff/secrets', 'config/keys.txt'],
          ['diff/forbidden-paths', '.env'],
        ]),
      );
      const byBlob = await gate(blob, 'refs/tags/b');
      expect(byBlob.passed).toBe(false);
      expect(byBlob.findings.map((f) => f.ruleId)).toEqual(['diff/secrets']);
      expect(byBlob.subjects).toEqual(['refs/tags/b']);
      // A tag at a commit is still its commits, as before.
      // (as received: the tag object exists, no ref reaches it or its commit yet)
      r.git('tag', '-a', '-m', 'release', 'v1', c1);
      const tagObject = r.head('refs/tags/v1');
      r.git('tag', '-d', 'v1');
      r.git('update-ref', '-d', 'refs/heads/main');
      const byCommit = await gate(tagObject, 'refs/tags/v1');
      expect(byCommit).toMatchObject({ passed: true, commits: 1 });
    } finally {
      r.remove();
    }
  });

  it('a rewind that deletes or edits an applied migration fails; a fast-forward and a rewind that keeps them pass', async () => {
    const r = TempRepo.create({ prefix: 'holes' });
    try {
      const c1 = r.commit('feat: one', { 'migrations/V1__a.sql': 'create table a (id int);\n' });
      const c2 = r.commit('feat: two', { 'migrations/V2__b.sql': 'create table b (id int);\n' });
      const c3 = r.commit('docs: three', { 'README.md': 'x\n' });
      const gate = (oldSha: string, newSha: string) => runGate({ repoDir: r.dir, config, mode: { kind: 'pre-receive', updates: [{ oldSha, newSha, ref: 'refs/heads/main' }] } });
      const rewind = await gate(c3, c1);
      expect(rewind.passed).toBe(false);
      expect(rewind.findings.map((f) => [f.ruleId, f.file])).toEqual([['diff/migration-immutable', 'migrations/V2__b.sql']]);
      expect(rewind.findings[0]!.message).toContain('refs/heads/main');
      expect((await gate(c3, c2)).passed).toBe(true); // rewinds only the README
      // A force push to a sibling that edits V2.
      r.git('checkout', '-q', '--detach', c1);
      const edited = r.commit('feat: two, again', { 'migrations/V2__b.sql': 'create table b (id bigint);\n' });
      r.git('checkout', '-q', 'main');
      const forced = await gate(c3, edited);
      expect(forced.findings.filter((f) => f.ruleId === 'diff/migration-immutable').map((f) => f.file)).toEqual(['migrations/V2__b.sql']);
    } finally {
      r.remove();
    }
  });
});
