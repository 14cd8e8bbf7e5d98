// The resident lint server against real ESLint on real temp git repos, over a real Unix
// socket: it answers exactly what an in-process lint answers, and declines (the gate then
// lints in-process) whenever it could not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { packageRoot } from '../../../pipeline/core/package-root.js';
import { createCodeLinter, type LintTarget } from '../../../pipeline/lint/eslint.js';
import { startLintServer, type LintServer } from '../../../pipeline/lint/server.js';
import { askLintServer, lintWithServer } from '../../../pipeline/lint/server-client.js';
import { ensurePrivateDir, lintServerPaths } from '../../../pipeline/lint/server-protocol.js';
import { checkRange, useTempRepos, type TempRepo } from '../gate-code/git-subject.js';

const newRepo = useTempRepos('shardship-lint-server-');
const BIN = join(packageRoot(), 'bin', 'shardship.js');
let serverDir: string;
const servers: LintServer[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  // The client and server both find the socket folder through this variable.
  serverDir = mkdtempSync(join(tmpdir(), 'shardship-lint-sockets-'));
  process.env.SHARDSHIP_LINT_SERVER_DIR = serverDir;
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop('test over');
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  delete process.env.SHARDSHIP_LINT_SERVER_DIR;
  rmSync(serverDir, { recursive: true, force: true });
});

async function serve(r: TempRepo, idleTimeoutMs = 60_000): Promise<LintServer> {
  const server = await startLintServer({ repoDir: r.dir, paths: lintServerPaths(r.dir), idleTimeoutMs });
  servers.push(server);
  return server;
}

async function status(r: TempRepo) {
  const res = await askLintServer(lintServerPaths(r.dir).socket, { op: 'status' }, 5_000);
  return res?.kind === 'status' ? res.status : undefined;
}

const CONFIG = "import rules from './eslint/rules.mjs';\nexport default [{ rules }];\n";
const RULES = "export default { 'no-var': 'error', 'no-console': 'warn' };\n";

/** A repo whose second commit adds a `var`, a console call and a `==`; `src/b.js` differs on disk from HEAD. */
function repoWithChanges(): { r: TempRepo; targets: LintTarget[] } {
  const r = newRepo();
  r.write({ 'eslint.config.mjs': CONFIG, 'eslint/rules.mjs': RULES, 'package.json': '{ "type": "module" }\n', 'src/a.js': 'export const a = 1;\n', 'src/b.js': 'export const b = 1;\n' });
  r.commit('feat: a');
  r.write({ 'src/a.js': 'export const a = 1;\nvar x = a == 2;\nconsole.log(x);\n', 'src/b.js': 'var b = 2;\nexport { b };\n' });
  r.commit('feat: b');
  r.write({ 'src/b.js': 'export const b = 3;\n' }); // the working tree no longer holds HEAD's b.js
  return { r, targets: [{ path: 'src/a.js' }, { path: 'src/b.js', text: 'var b = 2;\nexport { b };\n' }] };
}

describe('lint server', () => {
  it('answers exactly what an in-process lint answers, for files on disk and for given text', async () => {
    const { r, targets } = repoWithChanges();
    await serve(r);
    const served = await lintWithServer({ repoDir: r.dir, typed: false, targets, server: 'use' });
    const inProcess = await (await createCodeLinter({ repoDir: r.dir })).lint(targets);
    expect(served).toEqual(inProcess);
    expect(served.flatMap((rep) => rep.messages.map((m) => `${rep.path}:${m.line} ${m.ruleId}`)).sort()).toEqual(['src/a.js:2 no-var', 'src/a.js:3 no-console', 'src/b.js:1 no-var']);
    expect(await status(r)).toMatchObject({ served: 1, declined: 0, ready: true, configFile: 'eslint.config.mjs', openConnections: 1 });

    // The gate rule goes through it too (option default `use`), and finds the same as with `off`.
    const viaServer = await checkRange(r);
    expect(await status(r)).toMatchObject({ served: 2 });
    expect(viaServer).toEqual(await checkRange(r, { options: { server: 'off' } }));
    await expect.poll(async () => (await status(r))?.openConnections).toBe(1); // earlier connections all closed
    expect(await status(r)).toMatchObject({ served: 2 });
    expect(viaServer.map((f) => [f.file, f.line, f.ruleId])).toEqual([
      ['src/a.js', 2, 'code/eslint'],
      ['src/a.js', 3, 'code/eslint'],
      ['src/b.js', 1, 'code/eslint'],
    ]);
  });

  it.each([
    ['a module the config imports', 'eslint/rules.mjs', "export default { 'no-var': 'error', eqeqeq: 'error' };\n"],
    ['the config itself', 'eslint.config.mjs', "export default [{ rules: { 'no-var': 'error', eqeqeq: 'error' } }];\n"],
    ['the lockfile (dependencies installed)', 'package-lock.json', '{ "lockfileVersion": 3 }\n'],
  ])('when %s changes, declines, stops, and the gate lints in-process with what is on disk now', async (_what, file, content) => {
    const { r, targets } = repoWithChanges();
    // In a process of its own, as `lint-server start` runs it: this test's process must import
    // the changed modules fresh, as a new gate process would.
    const server = spawn(process.execPath, [BIN, 'lint-server', 'start', '--foreground', '--repo', r.dir], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(server);
    let log = '';
    server.stdout.on('data', (c: Buffer) => (log += c.toString()));
    const exited = once(server, 'exit');
    await expect.poll(async () => (await status(r))?.ready, { timeout: 30_000, interval: 100 }).toBe(true);
    expect((await lintWithServer({ repoDir: r.dir, typed: false, targets, server: 'use' })).flatMap((x) => x.messages.map((m) => m.ruleId))).not.toContain('eqeqeq');
    expect(await status(r)).toMatchObject({ served: 1 });

    r.write({ [file]: content });
    utimesSync(join(r.dir, file), new Date(), new Date(Date.now() + 5_000)); // a distinct mtime even on a coarse clock
    const after = await lintWithServer({ repoDir: r.dir, typed: false, targets, server: 'use' });
    const rules = after.flatMap((x) => x.messages.map((m) => m.ruleId));
    if (file === 'package-lock.json') expect(rules).not.toContain('eqeqeq');
    else expect(rules).toContain('eqeqeq');
    expect(await exited).toEqual([0, null]);
    expect(log).toMatch(/declined: the ESLint config or the dependencies changed/);
    expect(existsSync(lintServerPaths(r.dir).socket)).toBe(false);
  });

  it('reports a broken config as the same ConfigError an in-process lint raises', async () => {
    const r = newRepo();
    r.write({ 'eslint.config.mjs': 'export default [\n  { rules: { "no-var": "error" }\n];\n', 'src/a.js': 'var a = 1;\n' });
    r.commit('feat: a');
    await serve(r);
    const targets = [{ path: 'src/a.js' }];
    const viaServer = await lintWithServer({ repoDir: r.dir, typed: false, targets, server: 'use' }).catch((e: unknown) => e);
    const inProcess = await (await createCodeLinter({ repoDir: r.dir })).lint(targets).catch((e: unknown) => e);
    expect(viaServer).toBeInstanceOf(ConfigError);
    expect((viaServer as ConfigError).problems).toEqual((inProcess as ConfigError).problems);
    expect((viaServer as ConfigError).problems[0]).toMatchObject({ position: { file: 'eslint.config.mjs', line: 3 } });
  });

  it('declines typed linting and legacy eslintrc configs; the gate still gets the in-process verdict', async () => {
    const typed = newRepo();
    typed.write({ 'tsconfig.json': '{ "compilerOptions": { "strict": true }, "include": ["src"] }\n', 'src/a.ts': 'export async function f(): Promise<number> { return 1; }\nf();\n' });
    typed.commit('feat: a');
    await serve(typed);
    const targets = [{ path: 'src/a.ts' }];
    const served = await lintWithServer({ repoDir: typed.dir, typed: true, targets, server: 'use' });
    expect(served.flatMap((x) => x.messages.map((m) => m.ruleId))).toContain('@typescript-eslint/no-floating-promises');
    expect(await status(typed)).toMatchObject({ served: 0, declined: 1 });

    // The repo's own flat config asks for type information on .ts files only: .js is served, .ts declined.
    const own = newRepo();
    mkdirSync(join(own.dir, 'node_modules'));
    symlinkSync(join(packageRoot(), 'node_modules', 'typescript-eslint'), join(own.dir, 'node_modules', 'typescript-eslint'));
    own.write({
      '.gitignore': 'node_modules/\n',
      'package.json': '{ "type": "module" }\n',
      'tsconfig.json': '{ "compilerOptions": { "strict": true, "allowJs": false }, "include": ["src"] }\n',
      'eslint.config.js': [
        "import tseslint from 'typescript-eslint';",
        'export default [',
        "  { files: ['**/*.js'], rules: { 'no-var': 'error' } },",
        "  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: ['**/*.ts'] })),",
        "  { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },",
        '];',
        '',
      ].join('\n'),
      'src/a.ts': 'export async function f(): Promise<number> { return 1; }\nf();\n',
      'src/b.js': 'var b = 1;\nexport { b };\n',
    });
    own.commit('feat: a');
    await serve(own);
    const ts = await lintWithServer({ repoDir: own.dir, typed: false, targets: [{ path: 'src/a.ts' }], server: 'use' });
    expect(ts.flatMap((x) => x.messages.map((m) => m.ruleId))).toContain('@typescript-eslint/no-floating-promises');
    expect(await status(own)).toMatchObject({ served: 0, declined: 1 });
    const js = await lintWithServer({ repoDir: own.dir, typed: false, targets: [{ path: 'src/b.js' }], server: 'use' });
    expect(js.flatMap((x) => x.messages.map((m) => m.ruleId))).toEqual(['no-var']);
    expect(await status(own)).toMatchObject({ served: 1, declined: 1 });

    const legacy = newRepo();
    legacy.write({ '.eslintrc.json': '{ "root": true, "rules": { "no-var": "error" } }\n', 'src/a.js': 'var a = 1;\n' });
    legacy.commit('feat: a');
    await serve(legacy);
    const res = await askLintServer(lintServerPaths(legacy.dir).socket, { op: 'lint', version: (await status(legacy))!.version, repoDir: legacy.dir, typed: false, targets: [{ path: 'src/a.js' }] }, 30_000);
    expect(res).toMatchObject({ kind: 'declined', retiring: false, reason: expect.stringMatching(/eslintrc/) });
    expect((await lintWithServer({ repoDir: legacy.dir, typed: false, targets: [{ path: 'src/a.js' }], server: 'use' }))[0]!.messages.map((m) => m.ruleId)).toEqual(['no-var']);
  });

  it('stops for a client of another shardship version, for `stop`, and after its idle timeout', async () => {
    const { r, targets } = repoWithChanges();
    const old = await serve(r);
    const res = await askLintServer(lintServerPaths(r.dir).socket, { op: 'lint', version: '0.0.0-other', repoDir: r.dir, typed: false, targets }, 30_000);
    expect(res).toMatchObject({ kind: 'declined', retiring: true });
    expect(await old.stopped).toMatch(/0\.0\.0-other/);

    await serve(r);
    expect(await askLintServer(lintServerPaths(r.dir).socket, { op: 'stop' }, 5_000)).toEqual({ kind: 'stopping' });
    expect(await status(r)).toBeUndefined();

    const idle = await serve(r, 300);
    expect(await idle.stopped).toMatch(/idle/);
    expect(existsSync(lintServerPaths(r.dir).socket)).toBe(false);
  });

  it('answers garbage with an error and keeps serving', async () => {
    const { r, targets } = repoWithChanges();
    await serve(r);
    const raw = (line: string) =>
      new Promise<string>((done) => {
        const c = createConnection(lintServerPaths(r.dir).socket);
        let got = '';
        c.on('data', (d) => (got += d.toString()));
        c.on('close', () => done(got));
        c.end(line + '\n');
      });
    expect(JSON.parse(await raw('hello'))).toEqual({ kind: 'error', message: 'the request is not JSON' });
    expect(JSON.parse(await raw('{"op":"lint","targets":"all"}'))).toMatchObject({ kind: 'error', message: expect.stringMatching(/^bad request: /) });
    expect(await lintWithServer({ repoDir: r.dir, typed: false, targets, server: 'use' })).toHaveLength(2);
    expect(await status(r)).toMatchObject({ served: 1 });
  });

  it('refuses a second server for the same repo, and replaces the socket a killed one left', async () => {
    const { r } = repoWithChanges();
    await serve(r);
    await expect(serve(r)).rejects.toThrow(/already runs/);
    await servers.pop()?.stop('make room');
    // A socket file nobody listens on, as kill -9 leaves it: a real listener in a child, killed.
    const paths = lintServerPaths(r.dir);
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(paths.socket)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await once(child.stdout, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(existsSync(paths.socket)).toBe(true);
    expect(await lintWithServer({ repoDir: r.dir, typed: false, targets: [{ path: 'src/a.js' }], server: 'use' })).toHaveLength(1);
    await serve(r);
    expect(await status(r)).toMatchObject({ served: 0 });
  });

  it('never talks to a socket in a folder other users can write (it could answer "no findings")', async () => {
    const { r, targets } = repoWithChanges();
    const paths = lintServerPaths(r.dir);
    ensurePrivateDir(paths.dir);
    // An impostor that passes everything.
    const impostor = createServer((c) => c.resume().end(JSON.stringify({ kind: 'reports', reports: [] }) + '\n'));
    await new Promise<void>((done) => impostor.listen(paths.socket, done));
    try {
      expect(await lintWithServer({ repoDir: r.dir, typed: false, targets, server: 'use' })).toEqual([]); // private folder: trusted
      chmodSync(paths.dir, 0o777);
      const reports = await lintWithServer({ repoDir: r.dir, typed: false, targets, server: 'use' });
      expect(reports.flatMap((x) => x.messages)).toHaveLength(3);
      expect(() => ensurePrivateDir(paths.dir)).toThrow(/not a private folder/);
    } finally {
      chmodSync(paths.dir, 0o700);
      await new Promise<void>((done) => impostor.close(() => done()));
    }
  });
});
