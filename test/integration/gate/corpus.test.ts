// The gate's commit-message verdict equals commitlint's own, message by message, for ≥200
// messages, with config-conventional: once through the repo's commitlint config file, once
// through the gate's built-in default (no config file). commitlint is the real CLI, run once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { runGate } from '../../../pipeline/gate/run.js';
import { commitRules } from '../../../rules/commit/index.js';
import { GIT_ENV, TempRepo } from '../../unit/gate/git-fixture.js';
import { corpusMessages } from './corpus.fixture.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function fastImport(messages: string[]): Buffer {
  const parts: Buffer[] = [];
  const push = (s: string | Buffer) => parts.push(typeof s === 'string' ? Buffer.from(s) : s);
  const commit = (mark: number, msg: string, from: number | undefined, merge?: number) => {
    const m = Buffer.from(msg);
    push(`commit refs/heads/main\nmark :${mark}\ncommitter Corpus <c@example.com> ${1_700_000_000 + mark} +0000\ndata ${m.length}\n`);
    push(m);
    push(from ? `\nfrom :${from}\n` : '\n');
    if (merge) push(`merge :${merge}\n`);
    push(`M 644 inline f${mark}.txt\ndata 2\n${mark % 10}\n\n`);
  };
  commit(1, 'chore: root\n', undefined);
  let mark = 1;
  messages.forEach((msg, i) => {
    mark++;
    // Every 25th message is a real merge commit (second parent: a side commit).
    if (i % 25 === 24) {
      const side = mark;
      commit(side, 'chore: side work\n', side - 1);
      mark++;
      commit(mark, msg, side - 1, side);
    } else commit(mark, msg, mark - 1);
  });
  return Buffer.concat(parts);
}

describe('commit message verdicts equal commitlint', () => {
  let repo: TempRepo;
  let root: string;
  const messages = corpusMessages();
  beforeAll(() => {
    repo = TempRepo.create({ prefix: 'corpus' });
    execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: fastImport(messages), env: GIT_ENV });
    repo.git('checkout', '-q', 'main');
    root = repo.git('rev-list', '--max-parents=0', 'main').trim();
    symlinkSync(join(ROOT, 'node_modules'), join(repo.dir, 'node_modules'));
    writeFileSync(join(repo.dir, 'commitlint.config.mjs'), "export default { extends: ['@commitlint/config-conventional'] };\n");
    writeFileSync(
      join(repo.dir, '.git', 'json-format.mjs'),
      'export default (report) => JSON.stringify(report.results.map((r) => ({ input: r.input, valid: r.valid })));\n',
    );
  });
  afterAll(() => repo.remove());

  /** Gate verdict per commit sha: valid unless a commit/message error names it. */
  async function gateVerdicts(): Promise<Map<string, boolean>> {
    // merges: allow lints merge commits like commitlint does (the default, skip, leaves them out).
    const config = ShardshipConfig.parse({ version: 1, gate: { commit: { merges: 'allow' } } });
    const res = await runGate({ repoDir: repo.dir, config, mode: { kind: 'range', from: root, to: 'HEAD' }, rules: commitRules });
    const failing = new Set(res.findings.filter((f) => f.severity === 'error').map((f) => f.commit));
    return new Map(shas().map((sha) => [sha, !failing.has(sha)]));
  }

  /** Commits in `git log` order: the order commitlint reads (and reports) them in. */
  function shas(): string[] {
    return repo.git('log', '--format=%H', `${root}..HEAD`).split('\n').filter(Boolean);
  }

  it(`agrees on every one of ${messages.length} messages`, async () => {
    expect(messages.length).toBeGreaterThanOrEqual(200);
    const cl = spawnSync(join(ROOT, 'node_modules', '.bin', 'commitlint'), ['--from', root, '--to', 'HEAD', '--format', join(repo.dir, '.git', 'json-format.mjs')], {
      cwd: repo.dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const results = JSON.parse(cl.stdout) as { input: string; valid: boolean }[];
    const order = shas();
    expect(results).toHaveLength(order.length);
    // commitlint's `input` is the re-assembled message, so results pair with commits by position.
    const commitlint = new Map(order.map((sha, i) => [sha, results[i]!.valid]));
    const messageOf = (sha: string) => repo.git('log', '-1', '--format=%B', sha);
    // Both verdicts appear in the corpus, so agreement is not trivial.
    expect([...commitlint.values()].filter((v) => !v).length).toBeGreaterThan(50);
    expect([...commitlint.values()].filter((v) => v).length).toBeGreaterThan(50);

    const viaRepoConfig = await gateVerdicts();
    const disagreements = [...commitlint].filter(([sha, valid]) => viaRepoConfig.get(sha) !== valid).map(([sha, valid]) => ({ message: messageOf(sha), commitlint: valid, gate: viaRepoConfig.get(sha) }));
    expect(disagreements).toEqual([]);
    expect(cl.status).toBe(1);

    // Without a commitlint config file the gate falls back to config-conventional: same verdicts.
    rmSync(join(repo.dir, 'commitlint.config.mjs'));
    const viaDefault = await gateVerdicts();
    expect([...commitlint].filter(([sha, valid]) => viaDefault.get(sha) !== valid).map(([sha]) => messageOf(sha))).toEqual([]);
  });
});
