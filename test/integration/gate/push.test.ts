// A real bare repository with the generated pre-receive hook, and real `git push`es.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { preReceiveHookScript } from '../../../pipeline/gate/hooks.js';
import { runGate } from '../../../pipeline/gate/run.js';
import { GIT_ENV, TempRepo } from '../../unit/gate/git-fixture.js';

const ZERO = '0'.repeat(40);

// Each push starts the shardship CLI inside the hook: allow for a slow, loaded machine.
describe('pre-receive hook on a real bare repository', { timeout: 600_000 }, () => {
  let server: TempRepo;
  let client: TempRepo;
  beforeAll(() => {
    server = TempRepo.create({ bare: true, prefix: 'server' });
    const hook = join(server.dir, 'hooks', 'pre-receive');
    writeFileSync(hook, preReceiveHookScript());
    chmodSync(hook, 0o755);
    client = TempRepo.create({ prefix: 'client' });
    client.git('remote', 'add', 'origin', server.dir);
  });
  afterAll(() => {
    server.remove();
    client.remove();
  });

  function push(...args: string[]) {
    const r = spawnSync('git', ['push', 'origin', ...args], { cwd: client.dir, env: GIT_ENV, encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  it('accepts a good first push and rejects a bad commit, telling the pusher what to fix', () => {
    client.commit('feat: first service skeleton', { 'README.md': '# svc\n' });
    const ok = push('main');
    expect(ok.output).toContain('gate passed');
    expect(ok.status).toBe(0);

    client.commit('WIP stuff', { 'a.txt': 'a\n' });
    const bad = push('main');
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/remote: .*type may not be empty/);
    expect(bad.output).toContain('push rejected by shardship gate');
    expect(bad.output).toContain('pre-receive hook declined');
    expect(server.git('rev-parse', 'main').trim()).not.toBe(client.head());
  });

  it('accepts the fixed commit, and rejects a bad ref among several pushed at once', () => {
    client.git('commit', '-q', '--amend', '-m', 'feat: add a.txt');
    expect(push('main').status).toBe(0);

    client.git('branch', '-q', 'good-branch');
    client.git('checkout', '-q', '-b', 'bad-branch');
    client.commit('oops', { 'b.txt': 'b\n' });
    const both = push('good-branch', 'bad-branch');
    expect(both.status).not.toBe(0);
    expect(both.output).toContain('refs/heads/bad-branch');
    // pre-receive is all or nothing: neither ref was created.
    expect(spawnSync('git', ['rev-parse', '--verify', '-q', 'good-branch'], { cwd: server.dir }).status).not.toBe(0);
  });

  it('accepts a new branch at a known commit, a force push of good commits, and a deletion', () => {
    client.git('checkout', '-q', 'main');
    expect(push('good-branch').status).toBe(0); // no new commits to check
    client.git('checkout', '-q', '-B', 'good-branch', 'main~1');
    client.commit('fix: rewritten history', { 'c.txt': 'c\n' });
    expect(push('--force', 'good-branch').status).toBe(0);
    expect(push('--delete', 'good-branch').status).toBe(0);
  });
});

describe('gate --pre-receive semantics (in process)', () => {
  it('checks only commits no existing ref reaches, skips deletions, handles force pushes', async () => {
    const r = TempRepo.create();
    try {
      const c1 = r.commit('feat: one', { 'a.txt': '1\n' });
      r.git('branch', 'feature');
      const c2 = r.commit('bad two', { 'a.txt': '2\n' });
      const c3 = r.commit('feat: three', { 'a.txt': '3\n' });
      // Pretend c2 and c3 were just received: main still points at c1 on the server.
      r.git('update-ref', 'refs/heads/main', c1);
      const config = ShardshipConfig.parse({ version: 1 });
      const updates = (u: { oldSha: string; newSha: string; ref: string }[]) => runGate({ repoDir: r.dir, config, mode: { kind: 'pre-receive', updates: u } });

      const ff = await updates([{ oldSha: c1, newSha: c3, ref: 'refs/heads/main' }]);
      expect(ff.commits).toBe(2);
      expect(ff.passed).toBe(false);
      expect(ff.findings.every((f) => f.commit === c2)).toBe(true);

      // A new branch whose commits are partly on `feature` already: only the unknown ones count.
      const fresh = await updates([{ oldSha: ZERO, newSha: c3, ref: 'refs/heads/topic' }]);
      expect(fresh.commits).toBe(2);
      expect(fresh.subjects).toEqual(['refs/heads/topic']);

      const deletion = await updates([{ oldSha: c1, newSha: ZERO, ref: 'refs/heads/feature' }]);
      expect(deletion).toMatchObject({ passed: true, commits: 0 });

      // Force push: main moves from c3 (rewritten away) to a sibling of c2.
      r.git('update-ref', 'refs/heads/main', c3);
      r.git('checkout', '-q', '--detach', c1);
      const c2b = r.commit('fix: two, reworded', { 'a.txt': '2b\n' });
      r.git('checkout', '-q', 'main'); // a server's HEAD names a branch, never the pushed commit
      const forced = await updates([{ oldSha: c3, newSha: c2b, ref: 'refs/heads/main' }]);
      expect(forced).toMatchObject({ passed: true, commits: 1 });
    } finally {
      r.remove();
    }
  });
});
