// `shardship lint-server start|status|stop` and the gate reusing it, through the real bin on a
// real temp repo; and `server: auto` starting one for the next run.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../pipeline/core/package-root.js';
import { lintServerPaths } from '../../../pipeline/lint/server-protocol.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';

const BIN = join(packageRoot(), 'bin', 'shardship.js');
let socketDir: string;
const repos: TempRepo[] = [];
beforeAll(() => {
  socketDir = mkdtempSync(join(tmpdir(), 'shardship-lint-cli-'));
});
afterEach(async () => {
  for (const r of repos.splice(0)) {
    await cli(r.dir, ['lint-server', 'stop']);
    r.remove();
  }
});
afterAll(() => rmSync(socketDir, { recursive: true, force: true }));

// Async: a server spawned by the CLI must not be blocked by this process waiting on it.
function cli(cwd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', SHARDSHIP_LINT_SERVER_DIR: socketDir, ...extraEnv };
  if (!extraEnv.CI) delete env.CI; // `auto` starts no server in CI, and this may run in CI
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function status(dir: string): Promise<{ schemaVersion: number; running: boolean; status?: { served: number; declined: number; pid: number } }> {
  const r = await cli(dir, ['lint-server', 'status', '--json']);
  const parsed = JSON.parse(r.stdout) as { running: boolean };
  // Like `systemctl status`: scripts can test for a running server by the exit code alone.
  expect(r.code).toBe(parsed.running ? 0 : 1);
  return JSON.parse(r.stdout) as { schemaVersion: number; running: boolean; status?: { served: number; declined: number; pid: number } };
}

function repoWithNewVar(serverOption?: string): TempRepo {
  const r = TempRepo.create({ prefix: 'lint-server-cli' });
  repos.push(r);
  r.write('eslint.config.mjs', "export default [{ rules: { 'no-var': 'error' } }];\n");
  r.write('src/a.js', 'export const a = 1;\n');
  if (serverOption) r.write('shardship.yaml', `version: 1\ngate:\n  rules:\n    code/eslint:\n      options:\n        server: ${serverOption}\n`);
  r.commit('feat: start');
  r.write('src/a.js', 'export const a = 1;\nvar b = a;\nexport { b };\n');
  r.commit('feat: add b');
  return r;
}

describe('shardship lint-server', () => {
  it('start waits until ready; the gate then lints through it with the same verdict; stop ends it', async () => {
    const r = repoWithNewVar();
    const inProcess = await cli(r.dir, ['gate', '--from', 'HEAD~1', '--to', 'HEAD', '--json']);
    expect(inProcess.code).toBe(1);

    const started = await cli(r.dir, ['lint-server', 'start', '--json']);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ running: true, started: true, status: { ready: true, configFile: 'eslint.config.mjs', served: 0 } });
    expect((await cli(r.dir, ['lint-server', 'start'])).stdout).toMatch(/^already running: lint server for /);

    const served = await cli(r.dir, ['gate', '--from', 'HEAD~1', '--to', 'HEAD', '--json']);
    expect(served.code).toBe(1);
    expect(JSON.parse(served.stdout)).toEqual(JSON.parse(inProcess.stdout));
    expect(served.stdout).toContain('no-var');
    expect((await status(r.dir)).status).toMatchObject({ served: 1, declined: 0 });

    const stopped = await cli(r.dir, ['lint-server', 'stop']);
    expect(stopped.stdout).toMatch(/^stopped the lint server for /);
    expect(await status(r.dir)).toEqual({ schemaVersion: 1, running: false });
    expect(existsSync(lintServerPaths(r.dir, { SHARDSHIP_LINT_SERVER_DIR: socketDir }).socket)).toBe(false);
    expect((await cli(r.dir, ['lint-server', 'stop'])).stdout).toMatch(/^no lint server runs for /);
  });

  it('server: off never asks it; server: auto starts one after an in-process run (not in CI), which the next run uses', async () => {
    const off = repoWithNewVar('off');
    expect((await cli(off.dir, ['lint-server', 'start'])).code).toBe(0);
    expect((await cli(off.dir, ['gate', '--from', 'HEAD~1', '--to', 'HEAD'])).code).toBe(1);
    expect((await status(off.dir)).status).toMatchObject({ served: 0 });

    const auto = repoWithNewVar('auto');
    expect(await status(auto.dir)).toEqual({ schemaVersion: 1, running: false });
    // In CI (CI set) auto starts nothing: the job ends, a server would only linger.
    expect((await cli(auto.dir, ['gate', '--from', 'HEAD~1', '--to', 'HEAD'], { CI: 'true' })).code).toBe(1);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await status(auto.dir)).toEqual({ schemaVersion: 1, running: false });
    expect((await cli(auto.dir, ['gate', '--from', 'HEAD~1', '--to', 'HEAD'])).code).toBe(1);
    await expect.poll(async () => (await status(auto.dir)).running, { timeout: 30_000, interval: 200 }).toBe(true);
    const gate = await cli(auto.dir, ['gate', '--from', 'HEAD~1', '--to', 'HEAD']);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toContain('no-var');
    expect((await status(auto.dir)).status).toMatchObject({ served: 1 });
  });

  it('rejects a bad --idle-timeout or --repo with exit 2 and the fix', async () => {
    const r = repoWithNewVar();
    const bad = await cli(r.dir, ['lint-server', 'start', '--idle-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--idle-timeout soon: write a duration like 500ms, 30s, 5m');
    expect(await status(r.dir)).toEqual({ schemaVersion: 1, running: false });
    for (const sub of ['start', 'status', 'stop']) {
      const missing = await cli(r.dir, ['lint-server', sub, '--repo', 'no-such-dir']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--repo no-such-dir: no such folder');
    }
  });
});
