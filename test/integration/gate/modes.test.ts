import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { UsageError } from '../../../pipeline/core/errors.js';
import { runGate, type GateMode } from '../../../pipeline/gate/run.js';
import type { GateRule } from '../../../pipeline/gate/types.js';
import { commitRules } from '../../../rules/commit/index.js';
import { diffRules } from '../../../rules/diff/index.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';

// The gate's own rules; other groups (code, sql, dockerfile) are tested by their owners.
const rules = [...commitRules, ...diffRules];

const config = ShardshipConfig.parse({ version: 1 });
const repos: TempRepo[] = [];
function repo(): TempRepo {
  const r = TempRepo.create();
  repos.push(r);
  return r;
}
afterAll(() => repos.forEach((r) => r.remove()));

const gate = (r: TempRepo, mode: GateMode, cfg = config) => runGate({ repoDir: r.dir, config: cfg, mode, rules });
const ids = (res: Awaited<ReturnType<typeof runGate>>) => res.findings.map((f) => f.ruleId);

describe('gate --from/--to', () => {
  let r: TempRepo;
  let base: string;
  beforeAll(() => {
    r = repo();
    base = r.commit('feat: initial import', { 'README.md': '# app\n', 'migrations/V1__init.sql': 'create table t (id int);\n' });
    r.commit('feat(api): add loans endpoint', { 'src/api.ts': 'export const a = 1;\n' });
    r.commit('updated stuff', { 'src/api.ts': 'export const a = 2;\n<<<<<<< HEAD\n' });
  });

  it('checks every commit in the range and each change it carries', async () => {
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    expect(res.commits).toBe(2);
    expect(res.passed).toBe(false);
    expect(ids(res)).toContain('commit/message');
    const marker = res.findings.find((f) => f.ruleId === 'diff/conflict-markers')!;
    expect(marker).toMatchObject({ file: 'src/api.ts', line: 2, commit: r.head() });
    // The good commit has no findings.
    expect(res.findings.filter((f) => f.commit === r.head('HEAD~1'))).toEqual([]);
  });

  it('reports a crashing rule as a finding instead of aborting the other rules', async () => {
    const boom: GateRule = { id: 'diff/boom', group: 'diff', defaultSeverity: 'error', description: 'always throws', check: () => Promise.reject(new Error('kaboom')) };
    const res = await runGate({ repoDir: r.dir, config, mode: { kind: 'range', from: base, to: 'HEAD' }, rules: [...rules, boom] });
    expect(res.findings.find((f) => f.ruleId === 'diff/boom')).toMatchObject({ severity: 'error', message: 'rule crashed: kaboom' });
    expect(res.findings.some((f) => f.ruleId === 'diff/conflict-markers')).toBe(true);
  });

  it('passes a clean range', async () => {
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD~1' });
    expect(res).toMatchObject({ passed: true, findings: [], commits: 1 });
  });

  it('names a rev that does not exist (exit 2)', async () => {
    const err = await gate(r, { kind: 'range', from: 'no-such-branch', to: 'HEAD' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toContain('--from no-such-branch does not name a commit');
    expect((err as UsageError).exitCode).toBe(2);
  });

  it('explains a shallow clone that lacks the base and suggests fetch-depth: 0', async () => {
    const shallow = TempRepo.create({ prefix: 'shallow' });
    repos.push(shallow);
    shallow.git('fetch', '-q', '--depth', '1', `file://${r.dir}`, 'main:refs/remotes/origin/main');
    shallow.git('checkout', '-q', '--detach', 'origin/main');
    const err = await gate(shallow, { kind: 'range', from: base, to: 'HEAD' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/shallow clone/);
    expect((err as UsageError).hint).toContain('fetch-depth: 0');
  });
});

describe('gate --pr', () => {
  it('checks base..head from a pull_request event and the title as the squash message', async () => {
    const r = repo();
    const base = r.commit('feat: base', { 'a.txt': 'a\n' });
    r.git('checkout', '-q', '-b', 'feature');
    const head = r.commit('fix: good change', { 'b.txt': 'b\n' });
    const event = join(r.dir, '.git', 'event.json');
    writeFileSync(event, JSON.stringify({ number: 7, pull_request: { title: 'Fixed things', base: { sha: base }, head: { sha: head } } }));
    const res = await gate(r, { kind: 'pr', eventPath: event });
    expect(res.commits).toBe(1);
    expect(res.subjects).toEqual(['pull request #7']);
    const titleFindings = res.findings.filter((f) => f.message.startsWith('pull request title'));
    expect(titleFindings.length).toBeGreaterThan(0);
    expect(titleFindings.every((f) => f.commit === undefined)).toBe(true);
    const ok = await gate(r, { kind: 'pr', base, head, title: 'fix: good change' });
    expect(ok.passed).toBe(true);
  });
});

describe('gate --staged', () => {
  it('checks the index against HEAD, including a repository with no commits yet', async () => {
    const r = repo();
    r.write('.env', 'DB_PASSWORD=x\n');
    r.write('notes.md', 'Title\n=======\n');
    r.git('add', '-A');
    const first = await gate(r, { kind: 'staged' });
    expect(ids(first)).toEqual(['diff/forbidden-paths']);
    r.git('rm', '-q', '--cached', '.env');
    r.commit('docs: notes');
    r.write('notes.md', 'Title\n=======\n<<<<<<< ours\n');
    r.git('add', 'notes.md');
    const res = await gate(r, { kind: 'staged' });
    expect(res.findings.map((f) => [f.ruleId, f.line])).toEqual([['diff/conflict-markers', 3]]);
    expect(res.findings[0]!.commit).toBeUndefined();
  });
});

describe('gate --commit-msg', () => {
  it('lints the message file, ignoring comment lines and the scissors', async () => {
    const r = repo();
    r.commit('chore: init');
    const file = join(r.dir, '.git', 'COMMIT_EDITMSG');
    writeFileSync(file, 'feat: add ledger\n\n# Please enter the commit message\n# ------------------------ >8 ------------------------\nthis is not a message\n');
    expect((await gate(r, { kind: 'commit-msg', file })).passed).toBe(true);
    writeFileSync(file, 'Add ledger\n# comment\n');
    const bad = await gate(r, { kind: 'commit-msg', file });
    expect(bad.passed).toBe(false);
    expect(bad.findings.map((f) => f.message).join('\n')).toContain('type-empty');
  });

  it('decodes a latin1 message file per i18n.commitEncoding without crashing', async () => {
    const r = repo();
    r.git('config', 'i18n.commitEncoding', 'ISO-8859-1');
    const file = join(r.dir, '.git', 'COMMIT_EDITMSG');
    writeFileSync(file, Buffer.from('feat: caf\xe9 cr\xe8me\n', 'latin1'));
    const res = await gate(r, { kind: 'commit-msg', file });
    expect(res.passed).toBe(true);
    writeFileSync(file, Buffer.from('Caf\xe9\n', 'latin1'));
    const bad = await gate(r, { kind: 'commit-msg', file });
    expect(bad.findings[0]!.message).toContain('"Café"');
  });
});

describe('awkward commits', () => {
  it('decodes non-UTF-8 messages: declared latin1, and undeclared invalid bytes', async () => {
    const r = repo();
    const base = r.commit('chore: init');
    r.git('config', 'i18n.commitEncoding', 'ISO-8859-1');
    r.commit(Buffer.from('feat: r\xe9sum\xe9 export\n', 'latin1'));
    r.git('config', '--unset', 'i18n.commitEncoding');
    // No encoding header but latin1 bytes: invalid UTF-8 that must not crash the gate.
    r.commit(Buffer.from('fix: na\xefve bytes\n', 'latin1'));
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    expect(res.passed).toBe(true);
    const msgs = await gate(r, { kind: 'range', from: base, to: 'HEAD' }, ShardshipConfig.parse({ version: 1, gate: { commit: { issueKey: 'LOAN-\\d+' } } }));
    expect(msgs.findings.map((f) => f.message).join('\n')).toContain('"feat: résumé export"');
    expect(msgs.findings.map((f) => f.message).join('\n')).toContain('"fix: naïve bytes"');
  });

  it('handles empty commits, merge commits (vs first parent) and the merge policy', async () => {
    const r = repo();
    const base = r.commit('chore: init', { 'a.txt': 'a\n' });
    r.commit('chore: empty commit');
    r.git('checkout', '-q', '-b', 'side');
    r.commit('feat: side work', { 'side.txt': 'side\n' });
    r.git('checkout', '-q', 'main');
    r.commit('feat: main work', { 'main.txt': 'main\n' });
    r.git('merge', '-q', '--no-ff', '--no-edit', 'side');
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    expect(res.passed).toBe(true);
    expect(res.commits).toBe(4);
    const reject = await gate(r, { kind: 'range', from: base, to: 'HEAD' }, ShardshipConfig.parse({ version: 1, gate: { commit: { merges: 'reject' } } }));
    expect(reject.findings.map((f) => f.ruleId)).toEqual(['commit/merge-policy']);
    expect(reject.findings[0]!.commit).toBe(r.head());
  });

  it('flags binary files outside the allowed globs and files over the size limit', async () => {
    const r = repo();
    const base = r.commit('chore: init');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.alloc(2048, 7)]);
    r.commit('feat: assets', { 'docs/logo.png': png, 'src/blob.bin': png, 'data/huge.csv': 'x,y\n'.repeat(300_000) });
    const cfg = ShardshipConfig.parse({ version: 1, gate: { diff: { binaryAllowed: ['docs/**'], maxFileBytes: 1_000_000 } } });
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' }, cfg);
    expect(res.findings.map((f) => [f.ruleId, f.file])).toEqual([
      ['diff/max-file-size', 'data/huge.csv'],
      ['diff/binary-files', 'src/blob.bin'],
    ]);
  });

  it('keeps memory bounded on a 100k-line diff', async () => {
    const r = repo();
    const base = r.commit('chore: init');
    const big = Array.from({ length: 100_000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n') + '\n<<<<<<< HEAD\n';
    r.commit('feat: generated table', { 'gen/table.txt': big });
    const before = process.memoryUsage().heapUsed;
    const res = await runGate({ repoDir: r.dir, config: ShardshipConfig.parse({ version: 1, gate: { diff: { maxFileBytes: 50_000_000 } } }), mode: { kind: 'range', from: base, to: 'HEAD' }, rules, limits: { maxLinesPerFile: 1000, maxLineLength: 200 } });
    const grown = process.memoryUsage().heapUsed - before;
    expect(res.passed).toBe(true); // the marker sits beyond the kept lines: the cap is real
    expect(grown).toBeLessThan(60 * 1024 * 1024);
  });

  it('reports submodule changes as submodules, without reading their lines', async () => {
    const sub = repo();
    sub.commit('chore: sub init', { 'lib.txt': '<<<<<<< not ours\n' });
    const r = repo();
    const base = r.commit('chore: init');
    r.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, 'vendor/lib');
    r.commit('build: add vendored lib as a submodule');
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    expect(res.passed).toBe(true);
    expect(res.files).toBe(2); // .gitmodules and the gitlink
  });
});
