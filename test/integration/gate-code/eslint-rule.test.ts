// code/eslint with real ESLint on real temp git repos.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eslintRule } from '../../../rules/code/eslint.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { checkRange, git, ruleContext, subjectFor, useTempRepos } from './git-subject.js';

const newRepo = useTempRepos();

const CLEAN = ['export function add(a: number, b: number): number {', '  return a + b;', '}', ''].join('\n');

describe('code/eslint on changed lines (repo without an ESLint config: typescript-eslint default)', () => {
  it('fails a finding on a changed line, with file:line, the ESLint rule and a stable fingerprint', async () => {
    const r = newRepo();
    r.write({ 'src/math.ts': CLEAN });
    r.commit('feat: add');
    r.write({ 'src/math.ts': CLEAN + 'export const loose: any = 1;\n' });
    r.commit('feat: loose');

    const findings = await checkRange(r);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'code/eslint', file: 'src/math.ts', line: 4 });
    expect(findings[0]!.message).toContain('@typescript-eslint/no-explicit-any');
    expect(findings[0]!.hint).toMatch(/^https:\/\/typescript-eslint\.io\/rules\/no-explicit-any/);
    expect(findings[0]!.fingerprint).toMatch(/^[0-9a-f]{40}$/);
  });

  it('passes the same finding when it sits on a line the range did not touch, and --all-lines widens to it', async () => {
    const r = newRepo();
    r.write({ 'src/math.ts': 'export const loose: any = 1;\n' + CLEAN });
    r.commit('feat: add');
    r.write({ 'src/math.ts': 'export const loose: any = 1;\n' + CLEAN + 'export const two = add(1, 1);\n' });
    r.commit('feat: two');

    expect(await checkRange(r)).toEqual([]);
    const wide = await checkRange(r, { allLines: true });
    expect(wide.map((f) => [f.file, f.line])).toEqual([['src/math.ts', 1]]);
  });

  it('keeps the fingerprint when the finding moves to another line', async () => {
    const r = newRepo();
    r.write({ 'src/a.ts': 'export const loose: any = 1;\n' });
    r.commit('feat: a');
    const before = await eslintRule.check(ruleContext(subjectFor(r.dir, git(r.dir, 'hash-object', '-t', 'tree', '/dev/null').trim(), 'HEAD'), { allLines: true }));
    r.write({ 'src/a.ts': '// moved down\n\nexport const loose: any = 1;\n' });
    r.commit('docs: comment');
    const after = await checkRange(r, { allLines: true });
    expect(after[0]!.line).toBe(3);
    expect(after[0]!.fingerprint).toBe(before[0]!.fingerprint);
  });

  it('reports a parse error even when ESLint puts it on an untouched line', async () => {
    const r = newRepo();
    r.write({ 'src/a.ts': CLEAN });
    r.commit('feat: a');
    r.write({ 'src/a.ts': 'export function broken(a: number {\n' + CLEAN });
    r.commit('feat: broken');
    const findings = await checkRange(r);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^parse error: /);
  });

  it('lints only changed files with a configured extension that still exist at head, and skips ignored paths', async () => {
    const r = newRepo();
    r.write({ 'src/keep.ts': CLEAN, 'src/gone.ts': CLEAN });
    r.commit('feat: files');
    rmSync(join(r.dir, 'src/gone.ts'));
    r.write({
      'README.md': 'export const loose: any = 1;\n',
      'dist/out.js': 'debugger;\n',
      'src/new.mjs': 'debugger;\n',
    });
    r.commit('chore: mixed');
    const findings = await checkRange(r);
    expect(findings.map((f) => [f.file, f.message.includes('no-debugger')])).toEqual([['src/new.mjs', true]]);
  });

  it('lints the head contents when the range head is not what the working tree holds', async () => {
    const r = newRepo();
    r.write({ 'src/a.ts': CLEAN });
    r.commit('feat: a');
    r.write({ 'src/a.ts': CLEAN + 'export const loose: any = 1;\n' });
    r.commit('feat: loose');
    r.write({ 'src/a.ts': CLEAN });
    r.commit('fix: tighten');

    const findings = await checkRange(r, {}, 'HEAD~2', 'HEAD~1');
    expect(findings.map((f) => [f.file, f.line])).toEqual([['src/a.ts', 4]]);
    expect(await checkRange(r)).toEqual([]);
  });

  it('checks what is staged, not what the working tree holds, for a pre-commit run', async () => {
    const r = newRepo();
    r.write({ 'src/a.ts': CLEAN });
    r.commit('feat: a');
    r.write({ 'src/a.ts': CLEAN + 'export const loose: any = 1;\n' });
    git(r.dir, 'add', 'src/a.ts');
    r.write({ 'src/a.ts': CLEAN }); // unstaged fix: the commit would still carry the `any`
    const findings = await checkRange(r, {}, 'HEAD', 'STAGED');
    expect(findings.map((f) => [f.file, f.line])).toEqual([['src/a.ts', 4]]);
  });

  it('reports ESLint warnings as gate warnings, and drops them with `warnings: false`', async () => {
    const r = newRepo();
    r.write({ 'eslint.config.mjs': "export default [{ rules: { 'no-console': 'warn' } }];\n", 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'src/a.js': 'export const a = 1;\nconsole.log(a);\n' });
    r.commit('feat: log');
    const findings = await checkRange(r);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 2, severity: 'warn', message: 'Unexpected console statement. (no-console)' });
    expect(await checkRange(r, { options: { warnings: false } })).toEqual([]);
  });
});

describe("code/eslint with the repo's own ESLint config", () => {
  it('honours a rule the repo turns on (the default config would pass this change)', async () => {
    const r = newRepo();
    r.write({ 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'src/a.js': 'export const a = 1;\nconsole.log(a);\n' });
    r.commit('feat: log');
    expect(await checkRange(r)).toEqual([]);

    r.write({ 'eslint.config.mjs': "export default [{ rules: { 'no-console': 'error' } }];\n" });
    r.commit('chore: lint config');
    const findings = await checkRange(r, {}, 'HEAD~2', 'HEAD');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: 'src/a.js', line: 2, message: 'Unexpected console statement. (no-console)' });
    expect(findings[0]!.severity).toBeUndefined(); // an ESLint error takes the rule's configured severity
  });

  it('turns a config with a syntax error into a ConfigError naming the file and line', async () => {
    const r = newRepo();
    r.write({ 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'eslint.config.mjs': 'export default [\n  { rules: { "no-console": "error" }\n];\n', 'src/a.js': 'export const a = 2;\n' });
    r.commit('chore: broken config');
    const error = await checkRange(r).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems[0]!;
    expect(problem.message).toContain('ESLint could not use eslint.config.mjs');
    expect(problem.position).toMatchObject({ file: 'eslint.config.mjs', line: 3 });
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it('turns an unknown rule in the config into a ConfigError', async () => {
    const r = newRepo();
    r.write({ 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'eslint.config.mjs': "export default [{ rules: { 'no-such-rule': 'error' } }];\n", 'src/a.js': 'export const a = 2;\n' });
    r.commit('chore: typo');
    await expect(checkRange(r)).rejects.toThrow(/eslint\.config\.mjs.*no-such-rule/s);
    await expect(checkRange(r)).rejects.toBeInstanceOf(ConfigError);
  });

  it('says to install what the config imports when a plugin package is missing', async () => {
    const r = newRepo();
    r.write({ 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'eslint.config.mjs': "import nope from 'eslint-plugin-not-installed';\nexport default [nope];\n", 'src/a.js': 'export const a = 2;\n' });
    r.commit('chore: plugin');
    const error = (await checkRange(r).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems[0]!.message).toContain("Cannot find package 'eslint-plugin-not-installed'");
    expect(error.problems[0]!.hint).toBe('install the packages your ESLint config imports (npm ci)');
  });
});

describe('code/eslint without a working tree', () => {
  it("does not lint with the default config when the repo's own config is only in the commits (bare repo): it says so", async () => {
    const r = newRepo();
    r.write({ 'eslint.config.mjs': "export default [{ rules: { 'no-console': 'error' } }];\n", 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'src/a.js': 'export const a = 1;\nconsole.log(a);\n' });
    r.commit('feat: log');
    const bare = `${r.dir}-bare.git`;
    git(r.dir, 'clone', '-q', '--bare', r.dir, bare);
    try {
      const head = git(bare, 'rev-parse', 'HEAD').trim();
      const findings = await eslintRule.check(ruleContext(subjectFor(bare, git(bare, 'rev-parse', 'HEAD~1').trim(), head)));
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ severity: 'warn', file: 'eslint.config.mjs' });
      expect(findings[0]!.message).toContain('not run');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('lints head contents in a bare repo that has no config of its own (default config)', async () => {
    const r = newRepo();
    r.write({ 'src/a.ts': CLEAN });
    r.commit('feat: a');
    r.write({ 'src/a.ts': CLEAN + 'export const loose: any = 1;\n' });
    r.commit('feat: loose');
    const bare = `${r.dir}-bare.git`;
    git(r.dir, 'clone', '-q', '--bare', r.dir, bare);
    try {
      const subject = subjectFor(bare, git(bare, 'rev-parse', 'HEAD~1').trim(), git(bare, 'rev-parse', 'HEAD').trim());
      const findings = await eslintRule.check(ruleContext(subject));
      expect(findings.map((f) => [f.file, f.line])).toEqual([['src/a.ts', 4]]);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe('code/eslint without a result cache', () => {
  it('writes no ESLint cache (its entries cannot know the other files a rule read), and a second run gives the same findings', async () => {
    const r = newRepo();
    r.write({ '.gitignore': 'node_modules/\n', 'src/a.ts': CLEAN });
    mkdirSync(join(r.dir, 'node_modules'));
    r.commit('feat: a');
    r.write({ 'src/a.ts': CLEAN + 'export const loose: any = 1;\n' });
    r.commit('feat: loose');

    const first = await checkRange(r);
    expect(first).toHaveLength(1);
    expect(await checkRange(r)).toEqual(first);
    expect(existsSync(join(r.dir, 'node_modules', '.cache'))).toBe(false);
    expect(existsSync(join(r.dir, '.eslintcache'))).toBe(false);
  });
});
