// The gate lints with the repository's own installed ESLint (and so its plugins' peer
// expectations), falls back to shardship's with a one-line notice, and `--json` says which ran.
// The repository's ESLint here is a real ESLint installed under the repo's node_modules as its
// own package (version 9.22.0 in its package.json), which marks that it was the one loaded.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { packageRoot } from '../../../pipeline/core/package-root.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { startLintServer } from '../../../pipeline/lint/server.js';
import { askLintServer } from '../../../pipeline/lint/server-client.js';
import { lintServerPaths } from '../../../pipeline/lint/server-protocol.js';
import { useTempRepos, type TempRepo } from './git-subject.js';

const newRepo = useTempRepos('shardship-repo-eslint-');
const OURS = (JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(packageRoot(), 'node_modules', 'eslint', 'package.json'), 'utf8'))) as { version: string }).version;
const MARK = '__shardshipTestRepoEslintLoaded';
afterEach(() => {
  delete (globalThis as Record<string, unknown>)[MARK];
});

/** Install "the repository's ESLint" under r/node_modules/eslint: shardship's ESLint engine, its own package identity. */
function installRepoEslint(r: TempRepo, version: string): void {
  const dir = join(r.dir, 'node_modules', 'eslint');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'eslint', version, type: 'module', exports: { '.': './index.js', './package.json': './package.json' } }));
  const api = join(packageRoot(), 'node_modules', 'eslint', 'lib', 'api.js');
  writeFileSync(join(dir, 'index.js'), `globalThis.${MARK} = true;\nexport { ESLint, Linter, loadESLint } from ${JSON.stringify(api)};\n`);
}

async function gateJson(r: TempRepo, ...args: string[]) {
  const output = memoryOutput();
  const code = await main(['gate', ...args, '--json'], { cwd: r.dir, output, env: { ...process.env, GITHUB_ACTIONS: '' } });
  return { code, report: JSON.parse(output.stdout.join('\n')) as { eslint?: unknown; findings: { ruleId: string; file: string | null }[] } };
}

async function gateText(r: TempRepo, ...args: string[]) {
  const output = memoryOutput();
  const code = await main(['gate', ...args], { cwd: r.dir, output, env: { ...process.env, GITHUB_ACTIONS: '' } });
  return { code, out: output.stdout.join('\n') };
}

function repoWithConfig(): TempRepo {
  const r = newRepo();
  r.write({ '.gitignore': 'node_modules/\n', 'package.json': '{ "type": "module" }\n', 'eslint.config.js': "export default [{ rules: { 'no-var': 'error' } }];\n", 'src/a.js': 'export const a = 1;\n' });
  r.commit('feat: a');
  r.write({ 'src/a.js': 'export const a = 1;\nvar b = 2;\nexport { b };\n' });
  r.commit('feat: b');
  return r;
}

describe("the repository's own ESLint", () => {
  it('lints with the ESLint installed in the repository, and --json says so', async () => {
    const r = repoWithConfig();
    installRepoEslint(r, '9.22.0');
    const { code, report } = await gateJson(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(code).toBe(1);
    expect(report.findings.filter((f) => f.ruleId === 'code/eslint').map((f) => f.file)).toEqual(['src/a.js']);
    expect(report.eslint).toEqual({ version: '9.22.0', from: 'repository', notice: null });
    expect((globalThis as Record<string, unknown>)[MARK]).toBe(true);
  });

  it("says the same when the lint server answered: the server runs the repository's ESLint too", async () => {
    const sockets = mkdtempSync(join(tmpdir(), 'shardship-repo-eslint-sockets-'));
    const env = { ...process.env, SHARDSHIP_LINT_SERVER_DIR: sockets, GITHUB_ACTIONS: '' };
    process.env.SHARDSHIP_LINT_SERVER_DIR = sockets;
    const r = repoWithConfig();
    installRepoEslint(r, '9.22.0');
    const server = await startLintServer({ repoDir: r.dir, paths: lintServerPaths(r.dir, env), idleTimeoutMs: 60_000 });
    try {
      const output = memoryOutput();
      await main(['gate', '--from', 'HEAD~1', '--to', 'HEAD', '--json'], { cwd: r.dir, output, env });
      expect((JSON.parse(output.stdout.join('\n')) as { eslint: unknown }).eslint).toEqual({ version: '9.22.0', from: 'repository', notice: null });
      expect(await askLintServer(lintServerPaths(r.dir, env).socket, { op: 'status' }, 5_000)).toMatchObject({ status: { served: 1 } });
    } finally {
      await server.stop('test over');
      delete process.env.SHARDSHIP_LINT_SERVER_DIR;
      rmSync(sockets, { recursive: true, force: true });
    }
  });

  it("falls back to shardship's ESLint with a one-line notice when the repository has none installed, or one too old", async () => {
    const r = repoWithConfig();
    const none = await gateJson(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(none.code).toBe(1);
    expect(none.report.eslint).toEqual({ version: OURS, from: 'shardship', notice: expect.stringMatching(/no ESLint installed in the repository.*shardship's ESLint/) });
    const text = await gateText(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(text.out.split('\n').filter((l) => l.includes('no ESLint installed'))).toHaveLength(1);

    installRepoEslint(r, '8.57.0');
    const old = await gateJson(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(old.report.eslint).toEqual({ version: OURS, from: 'shardship', notice: expect.stringContaining('8.57.0') });
    expect((globalThis as Record<string, unknown>)[MARK]).toBeUndefined();
  });

  it('a repository without its own ESLint config is linted with shardship\'s ESLint and default config, without a notice', async () => {
    const r = newRepo();
    r.write({ 'src/a.ts': 'export const a = 1;\n' });
    r.commit('feat: a');
    r.write({ 'src/a.ts': 'export const a: any = 1;\n' });
    r.commit('feat: any');
    const { report } = await gateJson(r, '--from', 'HEAD~1', '--to', 'HEAD');
    expect(report.eslint).toEqual({ version: OURS, from: 'shardship', notice: null });
  });
});
