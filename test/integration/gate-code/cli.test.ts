// code/eslint through `shardship gate` (the real CLI, engine and git collector) on temp repos.
import { describe, expect, it } from 'vitest';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import type { GateJsonReport } from '../../../pipeline/gate/report/json.js';
import { git, useTempRepos, type TempRepo } from './git-subject.js';

const newRepo = useTempRepos();

async function gate(r: TempRepo, ...args: string[]): Promise<{ code: number; report: GateJsonReport; stderr: string[] }> {
  const output = memoryOutput();
  const code = await main(['gate', ...args, '--json'], { cwd: r.dir, output, env: { ...process.env, GITHUB_ACTIONS: '' } });
  const report = JSON.parse(output.stdout.join('\n') || '{}') as GateJsonReport;
  return { code, report, stderr: output.stderr };
}

/** The gate's text output, for the exit-2 config errors (printed on stderr). */
async function gateText(r: TempRepo, ...args: string[]): Promise<{ code: number; stderr: string }> {
  const output = memoryOutput();
  const code = await main(['gate', ...args], { cwd: r.dir, output });
  return { code, stderr: output.stderr.join('\n') };
}

const CLEAN = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';

describe('shardship gate with code/eslint', () => {
  it('fails a commit that adds an ESLint error and passes one that only touches other lines of a file with an old finding', async () => {
    const r = newRepo();
    r.write({ 'src/math.ts': 'export const old: any = 0;\n' + CLEAN });
    r.commit('feat: add math');
    r.write({ 'src/math.ts': 'export const old: any = 0;\n' + CLEAN + 'export const loose: any = 1;\n' });
    r.commit('feat: add loose');

    const bad = await gate(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(bad.code).toBe(1);
    const code = bad.report.findings.filter((f) => f.ruleId === 'code/eslint');
    expect(code.map((f) => [f.file, f.line, f.severity])).toEqual([['src/math.ts', 5, 'error']]);
    expect(code[0]!.message).toContain('@typescript-eslint/no-explicit-any');

    const wide = await gate(r, '--from', 'HEAD~1', '--to', 'HEAD', '--all-lines');
    expect(wide.report.findings.filter((f) => f.ruleId === 'code/eslint').map((f) => f.line)).toEqual([1, 5]);

    r.write({ 'src/math.ts': 'export const old: any = 0;\n' + CLEAN + 'export const two = add(1, 1);\n' });
    r.commit('fix: no loose');
    const good = await gate(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(good.report.findings.filter((f) => f.ruleId === 'code/eslint')).toEqual([]);
    expect(good.code).toBe(0);
  });

  it('grandfathers a finding in the baseline and keeps it grandfathered when the line moves', async () => {
    const r = newRepo();
    r.write({ 'src/a.ts': CLEAN });
    r.commit('feat: a');
    r.write({ 'src/a.ts': CLEAN + 'export const loose: any = 1;\n' });
    r.commit('feat: loose');

    const written = await gate(r, '--from', 'HEAD~1', '--to', 'HEAD', '--write-baseline');
    expect(written.code).toBe(0);
    r.write({ 'src/a.ts': '// header\n' + CLEAN + 'export const loose: any = 1;\n' });
    r.commit('docs: header');
    const moved = await gate(r, '--from', 'HEAD~2', '--to', 'HEAD');
    expect(moved.report.findings.filter((f) => f.ruleId === 'code/eslint')).toEqual([]);
    expect(moved.report.summary.suppressed).toBeGreaterThanOrEqual(1);
    expect(moved.code).toBe(0);
  });

  it('exits 2 with the config file named when the repo ESLint config is broken', async () => {
    const r = newRepo();
    r.write({ 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'eslint.config.mjs': 'export default [\n', 'src/a.js': 'export const a = 2;\n' });
    r.commit('chore: config');
    const { code, stderr } = await gateText(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(code).toBe(2);
    expect(stderr).toMatch(/eslint\.config\.mjs:\d+:\d+: ESLint could not use eslint\.config\.mjs/);
  });

  it('honours a legacy .eslintrc.json: exit 1 for a new violation, with the deprecation warning in the report', async () => {
    const r = newRepo();
    r.write({ '.eslintrc.json': '{ "root": true, "parserOptions": { "ecmaVersion": 2022, "sourceType": "module" }, "rules": { "eqeqeq": "error" } }\n', 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'src/a.js': 'export const a = 1;\nexport const same = a == 1;\n' });
    r.commit('feat: compare');
    const { code, report } = await gate(r, '--from', 'HEAD~1', '--to', 'HEAD');
    const found = report.findings.filter((f) => f.ruleId === 'code/eslint');
    expect(found.map((f) => [f.severity, f.file, f.line])).toEqual([
      ['warn', '.eslintrc.json', null],
      ['error', 'src/a.js', 2],
    ]);
    expect(found[0]!.hint).toBe('migrate it to a flat config: npx @eslint/migrate-config .eslintrc.json');
    expect(code).toBe(1);
  });

  it('exits 2 naming .eslintrc.json and `npm ci` when its plugin is not installed, without a stack trace', async () => {
    const r = newRepo();
    r.write({ 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ '.eslintrc.json': '{ "root": true, "plugins": ["not-installed"] }\n', 'src/a.js': 'export const a = 2;\n' });
    r.commit('chore: config');
    const { code, stderr } = await gateText(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(code).toBe(2);
    expect(stderr).toMatch(/\.eslintrc\.json:1:\d+: ESLint could not use \.eslintrc\.json: Failed to load plugin 'not-installed'/);
    expect(stderr).toContain('npm ci');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('checks the staged content in --staged mode', async () => {
    const r = newRepo();
    r.write({ 'src/a.ts': CLEAN });
    r.commit('feat: a');
    r.write({ 'src/a.ts': CLEAN + 'export const loose: any = 1;\n' });
    git(r.dir, 'add', '-A');
    const staged = await gate(r, '--staged');
    expect(staged.report.findings.filter((f) => f.ruleId === 'code/eslint').map((f) => [f.file, f.line])).toEqual([['src/a.ts', 4]]);
    expect(staged.code).toBe(1);
  });
});
