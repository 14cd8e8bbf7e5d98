// code/eslint on a bare server repository whose ESLint config comes with the pushed commits:
// in process on `git clone --bare` copies, then through the generated pre-receive hook and real
// `git push`es.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eslintRule } from '../../../rules/code/eslint.js';
import { materialiseConfig, moduleSpecifiers, packageOf } from '../../../pipeline/lint/committed-config.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { tempDir } from '../../support/service.js';
import { git, hookedServer, ruleContext, subjectFor, useTempRepos, type HookedServer } from './git-subject.js';

const RUN = { options: { configFromCommits: 'run' } };

const newRepo = useTempRepos('shardship-committed-');
const bares: string[] = [];
afterEach(() => {
  for (const dir of bares.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A work repo with `first` committed, then `second`, cloned bare: the server's view of a push. */
function bareWith(first: Record<string, string>, second: Record<string, string>): { bare: string; base: string; head: string } {
  const r = newRepo();
  r.write(first);
  r.commit('feat: first');
  r.write(second);
  r.commit('feat: second');
  const bare = `${r.dir}-bare.git`;
  bares.push(bare);
  git(r.dir, 'clone', '-q', '--bare', r.dir, bare);
  return { bare, base: git(bare, 'rev-parse', 'HEAD~1').trim(), head: git(bare, 'rev-parse', 'HEAD').trim() };
}

const check = (b: { bare: string; base: string; head: string }, opts: Parameters<typeof ruleContext>[1] = {}) => eslintRule.check(ruleContext(subjectFor(b.bare, b.base, b.head), opts));

const FLAT_WITH_JS = [
  "import js from '@eslint/js';",
  "import globals from 'globals';",
  "export default [js.configs.recommended, { languageOptions: { globals: globals.node }, rules: { 'no-console': 'error' } }];",
  '',
].join('\n');
const copiesLeft = () => readdirSync(tmpdir()).filter((n) => n.startsWith('shardship-committed-eslint-'));

describe('code/eslint with the config only in the commits (bare repository)', () => {
  it('by default does not run pushed code: it warns and says how to opt in', async () => {
    const b = bareWith({ 'eslint.config.mjs': FLAT_WITH_JS, 'src/a.js': 'export const a = 1;\n' }, { 'src/a.js': 'export const a = 1;\nconsole.log(a);\n' });
    const findings = await check(b);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warn', file: 'eslint.config.mjs' });
    expect(findings[0]!.message).toMatch(/^not run: /);
    expect(findings[0]!.hint).toContain('configFromCommits: run');
  });

  it('with configFromCommits: run, lints with the pushed flat config and shardship\'s @eslint/js and globals, on changed lines only', async () => {
    const before = copiesLeft().length;
    const b = bareWith(
      { 'eslint.config.mjs': FLAT_WITH_JS, 'src/a.js': 'console.log("old");\nexport const a = 1;\n' },
      { 'src/a.js': 'console.log("old");\nexport const a = 1;\nconsole.log(a);\ndebugger;\n' },
    );
    const findings = await check(b, RUN);
    expect(findings.map((f) => [f.file, f.line, f.message])).toEqual([
      ['src/a.js', 3, 'Unexpected console statement. (no-console)'],
      ['src/a.js', 4, "Unexpected 'debugger' statement. (no-debugger)"], // from js.configs.recommended
    ]);
    expect(copiesLeft()).toHaveLength(before); // the temp folder is removed
  });

  it('follows the config\'s relative imports and honours package.json "type" for a .js config', async () => {
    const b = bareWith(
      {
        'package.json': '{ "name": "svc", "type": "module" }\n',
        'eslint.config.js': "import { strict } from './lint/strict.js';\nexport default [strict];\n",
        'lint/strict.js': "import { extra } from './extra.js';\nexport const strict = { rules: { eqeqeq: 'error', ...extra } };\n",
        'lint/extra.js': "export const extra = { 'no-var': 'error' };\n",
        'src/a.js': 'export const a = 1;\n',
      },
      { 'src/a.js': 'export const a = 1;\nvar b = a == 1;\nexport { b };\n' },
    );
    const findings = await check(b, RUN);
    expect(findings.map((f) => f.message).sort()).toEqual(["Expected '===' and instead saw '=='. (eqeqeq)", 'Unexpected var, use let or const instead. (no-var)']);
  });

  it('runs a pushed legacy .eslintrc.json too, with the deprecation notice', async () => {
    const b = bareWith(
      { '.eslintrc.json': '{ "root": true, "parserOptions": { "ecmaVersion": 2022, "sourceType": "module" }, "rules": { "no-var": "error" } }\n', 'src/a.js': 'export const a = 1;\n' },
      { 'src/a.js': 'export const a = 1;\nvar b = a;\nexport { b };\n' },
    );
    const findings = await check(b, RUN);
    expect(findings.map((f) => [f.severity ?? 'error', f.file, f.line ?? null])).toEqual([
      ['warn', '.eslintrc.json', null],
      ['error', 'src/a.js', 2],
    ]);
  });

  it('warns, naming the package, when the config imports one shardship does not have (and does not run it)', async () => {
    const b = bareWith(
      { 'eslint.config.mjs': "import react from 'eslint-plugin-react';\nimport js from '@eslint/js';\nexport default [js.configs.recommended, react.configs.flat.recommended];\n", 'src/a.js': 'export const a = 1;\n' },
      { 'src/a.js': 'export const a = 1;\ndebugger;\n' },
    );
    const findings = await check(b, RUN);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warn', file: 'eslint.config.mjs' });
    expect(findings[0]!.message).toBe("not run: eslint.config.mjs imports 'eslint-plugin-react', which shardship does not have");
  });

  it('warns, naming the plugin, when a pushed eslintrc needs a plugin shardship does not have', async () => {
    const b = bareWith(
      { '.eslintrc.json': '{ "root": true, "plugins": ["not-installed"] }\n', 'src/a.js': 'export const a = 1;\n' },
      { 'src/a.js': 'export const a = 2;\n' },
    );
    const findings = await check(b, RUN);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warn', file: '.eslintrc.json' });
    expect(findings[0]!.message).toContain("not run: ESLint could not use .eslintrc.json: Failed to load plugin 'not-installed'");
  });

  it('still rejects a pushed config that is broken in itself (ConfigError, exit 2)', async () => {
    const b = bareWith({ 'src/a.js': 'export const a = 1;\n' }, { 'eslint.config.mjs': "export default [{ rules: { 'no-such-rule': 'error' } }];\n", 'src/a.js': 'export const a = 2;\n' });
    await expect(check(b, RUN)).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('committed-config helpers', () => {
  it('finds static, dynamic and require specifiers, and names their packages', () => {
    const source = [
      "import js from '@eslint/js';",
      "import { a, b } from \"./local.mjs\";",
      "export { c } from '../up.js';",
      "import 'side-effect';",
      "const g = await import('globals');",
      "const t = require('typescript-eslint/dist/x');",
      "import fs from 'node:fs';",
      "import path from 'path';",
    ].join('\n');
    const specs = moduleSpecifiers(source);
    expect(specs.sort()).toEqual(['../up.js', './local.mjs', '@eslint/js', 'globals', 'node:fs', 'path', 'side-effect', 'typescript-eslint/dist/x']);
    expect(specs.map(packageOf).filter(Boolean).sort()).toEqual(['@eslint/js', 'globals', 'side-effect', 'typescript-eslint']);
  });

  it('never writes a file from outside the repository', async () => {
    const files: Record<string, string> = { 'eslint.config.mjs': "import x from '../../etc/passwd.js';\nimport y from './ok.mjs';\nexport default [];\n", 'ok.mjs': 'export default 1;\n' };
    const copy = await materialiseConfig({ file: 'eslint.config.mjs', kind: 'flat' }, (p) => Promise.resolve(files[p] === undefined ? undefined : Buffer.from(files[p])));
    try {
      expect(copy.files).toEqual(['eslint.config.mjs', 'ok.mjs']);
      expect(existsSync(join(copy.dir, 'node_modules', 'eslint', 'package.json'))).toBe(true);
    } finally {
      await copy.remove();
    }
    expect(existsSync(copy.dir)).toBe(false);
  });
});

describe('pre-receive hook with a config in the pushed commits (real bare repo, real git push)', { timeout: 600_000 }, () => {
  let hooked: HookedServer;
  let serverConfig: string;
  beforeAll(() => {
    serverConfig = join(tempDir('code-server-config'), 'shardship.yaml');
    hooked = hookedServer({ config: serverConfig });
  });
  afterAll(() => {
    rmSync(join(serverConfig, '..'), { recursive: true, force: true });
    hooked.remove();
  });
  const serverWants = (configFromCommits: 'warn' | 'run') =>
    writeFileSync(serverConfig, `version: 1\ngate:\n  rules:\n    code/eslint: { severity: error, options: { configFromCommits: ${configFromCommits} } }\n`);

  it('by default accepts the push with a warning that the pushed config was not run', () => {
    const { client, push } = hooked;
    serverWants('warn');
    client.commit('feat: service', { 'eslint.config.mjs': FLAT_WITH_JS, 'src/a.js': 'export const a = 1;\n' });
    client.commit('feat: log it', { 'src/a.js': 'export const a = 1;\nconsole.log(a);\n' });
    const r = push('main');
    expect(r.output).toMatch(/remote: .*not run: the repo's ESLint config \(eslint\.config\.mjs\)/);
    expect(r.status).toBe(0);
  });

  it('with configFromCommits: run, rejects a push whose new line breaks the pushed config, naming file:line and rule', () => {
    const { server, client, push } = hooked;
    serverWants('run');
    client.commit('feat: log more', { 'src/a.js': 'export const a = 1;\nconsole.log(a);\nconsole.log(a + 1);\n' });
    const bad = push('main');
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/remote: .*src\/a\.js:3/);
    expect(bad.output).toContain('no-console');
    expect(bad.output).not.toMatch(/src\/a\.js:2\b/); // the earlier line was accepted with the last push
    expect(bad.output).toContain('pre-receive hook declined');
    expect(server.git('rev-parse', 'main').trim()).not.toBe(client.head());

    // Drop the bad commit; the old console.log on line 2 is on the server already, so it does not count.
    client.git('reset', '-q', '--hard', 'HEAD~1');
    client.commit('feat: add b', { 'src/a.js': 'export const a = 1;\nconsole.log(a);\nexport const b = a + 1;\n' });
    const good = push('main');
    expect(good.output).toContain('gate passed');
    expect(good.status).toBe(0);
    expect(server.git('rev-parse', 'main').trim()).toBe(client.head());
  });
});
