// code/eslint with a repo that has only a legacy `.eslintrc*` config: real ESLint 9 (LegacyESLint
// via loadESLint({ useFlatConfig: false })) on real temp git repos. Core rules only, so no
// plugin needs installing; one repo names a plugin nobody installed.
import { describe, expect, it } from 'vitest';
import { createCodeLinter } from '../../../pipeline/lint/eslint.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { checkRange, useTempRepos } from './git-subject.js';

const newRepo = useTempRepos('shardship-eslintrc-');

// `root: true` stops eslintrc's cascade at the repo, as a real project's root config does.
const ESLINTRC_JSON = JSON.stringify({ root: true, parserOptions: { ecmaVersion: 2022, sourceType: 'module' }, rules: { 'no-var': 'error', eqeqeq: 'error' } }, null, 2) + '\n';
const OLD = 'var legacy = 1;\nexport const a = legacy;\n';

describe('code/eslint with only a legacy eslintrc config', () => {
  it('lints with the .eslintrc.json rules, only on changed lines, and warns once that eslintrc is deprecated', async () => {
    const r = newRepo();
    r.write({ '.eslintrc.json': ESLINTRC_JSON, 'src/a.js': OLD });
    r.commit('feat: a');
    r.write({ 'src/a.js': OLD + 'var b = 2;\nexport const same = a == b;\n' });
    r.commit('feat: b');

    const findings = await checkRange(r);
    const errors = findings.filter((f) => f.severity !== 'warn');
    // The default config (typescript-eslint recommended) has neither rule on: these come from .eslintrc.json.
    expect(errors.map((f) => [f.file, f.line, f.message])).toEqual([
      ['src/a.js', 3, 'Unexpected var, use let or const instead. (no-var)'],
      ['src/a.js', 4, "Expected '===' and instead saw '=='. (eqeqeq)"],
    ]);
    const notices = findings.filter((f) => f.severity === 'warn');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ ruleId: 'code/eslint', file: '.eslintrc.json', hint: 'migrate it to a flat config: npx @eslint/migrate-config .eslintrc.json' });
    expect(notices[0]!.message).toMatch(/legacy eslintrc config, deprecated/);

    // The old `var` on line 1 only counts with --all-lines.
    const wide = await checkRange(r, { allLines: true });
    expect(wide.filter((f) => f.severity !== 'warn').map((f) => f.line)).toEqual([1, 3, 4]);
  });

  it('gives the same findings on a second run', async () => {
    const r = newRepo();
    r.write({ '.eslintrc.json': ESLINTRC_JSON, 'src/a.js': OLD });
    r.commit('feat: a');
    r.write({ 'src/a.js': OLD + 'var b = 2;\n' });
    r.commit('feat: b');

    const first = await checkRange(r);
    expect(await checkRange(r)).toEqual(first);
    expect(first.filter((f) => f.severity !== 'warn').map((f) => f.line)).toEqual([3]);
  });

  it('reads .eslintrc.yml, keeps nested eslintrc files (the cascade) and .eslintignore, and skips .ts it gives no parser', async () => {
    const r = newRepo();
    r.write({
      '.eslintrc.yml': 'root: true\nparserOptions:\n  ecmaVersion: 2022\n  sourceType: module\nrules:\n  no-var: error\n',
      'legacy/.eslintrc.yml': 'rules:\n  no-var: off\n',
      '.eslintignore': 'generated/\n',
      'src/a.js': 'export const a = 1;\n',
    });
    r.commit('feat: a');
    r.write({
      'src/a.js': 'export const a = 1;\nvar b = a;\nexport { b };\n',
      'legacy/old.js': 'var old = 1;\nexport { old };\n',
      'generated/out.js': 'var gen = 1;\nexport { gen };\n',
      // No parser for TypeScript in this config: `eslint .` would not lint it, so neither does the gate (no parse error).
      'src/types.ts': 'export const n: number = 1;\n',
    });
    r.commit('feat: more');

    const findings = await checkRange(r);
    expect(findings.filter((f) => f.severity !== 'warn').map((f) => [f.file, f.line])).toEqual([['src/a.js', 2]]);
    expect(findings.filter((f) => f.severity === 'warn').map((f) => f.file)).toEqual(['.eslintrc.yml']);
  });

  it('prefers a flat config when the repo has both (ESLint 9 does)', async () => {
    const r = newRepo();
    r.write({ '.eslintrc.json': ESLINTRC_JSON, 'eslint.config.mjs': "export default [{ rules: { 'no-console': 'error' } }];\n" });
    const linter = await createCodeLinter({ repoDir: r.dir });
    expect([linter.configFile, linter.configKind]).toEqual(['eslint.config.mjs', 'flat']);
  });

  it('fails with a ConfigError naming the file, the plugin, its line and `npm ci` when a plugin cannot be resolved', async () => {
    const r = newRepo();
    r.write({ 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({
      '.eslintrc.json': '{\n  "root": true,\n  "plugins": ["not-installed"],\n  "rules": { "not-installed/some-rule": "error" }\n}\n',
      'src/a.js': 'export const a = 2;\n',
    });
    r.commit('chore: plugin');

    const error = (await checkRange(r).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(2);
    const problem = error.problems[0]!;
    expect(problem.message).toContain('ESLint could not use .eslintrc.json');
    expect(problem.message).toContain("Failed to load plugin 'not-installed'");
    expect(problem.message).toContain("Cannot find module 'eslint-plugin-not-installed'");
    expect(problem.message).not.toContain('Require stack');
    expect(problem.hint).toBe('install the packages your ESLint config imports (npm ci)');
    expect(problem.position).toEqual({ file: '.eslintrc.json', line: 3, column: 16 });
  });

  it('fails the same way for a parser that cannot be resolved', async () => {
    const r = newRepo();
    r.write({ 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ '.eslintrc.yaml': 'root: true\nparser: some-missing-parser\n', 'src/a.js': 'export const a = 2;\n' });
    r.commit('chore: parser');
    const error = (await checkRange(r).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems[0]!.message).toMatch(/ESLint could not use \.eslintrc\.yaml: Failed to load parser 'some-missing-parser'/);
    expect(error.problems[0]!.hint).toContain('npm ci');
    expect(error.problems[0]!.position).toMatchObject({ file: '.eslintrc.yaml', line: 2 });
  });

  it('reads an eslintConfig key in package.json (eslintrc\'s last resort), and ignores a package.json without one', async () => {
    const r = newRepo();
    const pkg = { name: 'app', eslintConfig: { root: true, parserOptions: { ecmaVersion: 2022, sourceType: 'module' }, rules: { 'no-var': 'error' } } };
    r.write({ 'package.json': JSON.stringify(pkg, null, 2) + '\n', 'src/a.js': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'src/a.js': 'export const a = 1;\nvar b = a;\nexport { b };\n' });
    r.commit('feat: b');
    const findings = await checkRange(r);
    // no-var is not in shardship's default config: the finding proves package.json#eslintConfig was used.
    expect(findings.filter((f) => f.severity !== 'warn').map((f) => [f.line, f.message])).toEqual([[2, 'Unexpected var, use let or const instead. (no-var)']]);
    expect(findings.filter((f) => f.severity === 'warn')).toEqual([
      expect.objectContaining({ file: 'package.json', message: expect.stringMatching(/^package\.json#eslintConfig is a legacy eslintrc config/), hint: expect.stringContaining('.eslintrc.json') }),
    ]);

    const plain = newRepo();
    plain.write({ 'package.json': '{ "name": "app", "type": "module" }\n', 'src/a.js': 'export const a = 1;\n' });
    plain.commit('feat: a');
    plain.write({ 'src/a.js': 'export const a = 1;\nvar b = a;\nexport { b };\n' });
    plain.commit('feat: b');
    // shardship's default config: `var` passes (no no-var there), and there is no eslintrc notice.
    expect(await checkRange(plain)).toEqual([]);
  });
});
