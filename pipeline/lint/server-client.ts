// The gate's side of the resident lint server: ask it, and lint in-process whenever it is not
// there, declines or fails, so a server can only ever make a gate run faster, never different.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { ServiceError } from '../core/errors.js';
import { packageRoot, shardshipVersion } from '../core/package-root.js';
import { createCodeLinter, type EslintRuntime, type LintFileReport, type LintTarget } from './eslint.js';
import { ensurePrivateDir, isPrivateDir, lintServerPaths, LintServerResponse, reportsOf, type LintServerRequest, type LintServerStatus } from './server-protocol.js';

/** `off`: never; `use`: a running server, if any (default); `auto`: also start one for next time when none answers (not in CI). */
export type LintServerUse = 'off' | 'use' | 'auto';

/** One request, one reply; undefined when nobody answers (no server, a killed one's socket, a hang past the timeout). */
export function askLintServer(socket: string, request: LintServerRequest, timeoutMs: number): Promise<LintServerResponse | undefined> {
  return new Promise((done) => {
    let buffered = '';
    let settled = false;
    const finish = (res: LintServerResponse | undefined) => {
      if (settled) return;
      settled = true;
      conn.destroy();
      done(res);
    };
    const conn = createConnection(socket);
    conn.setEncoding('utf8');
    conn.setTimeout(timeoutMs, () => finish(undefined));
    conn.on('error', () => finish(undefined));
    conn.on('close', () => finish(undefined));
    conn.on('connect', () => conn.write(JSON.stringify(request) + '\n'));
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      let parsed: ReturnType<typeof LintServerResponse.safeParse>;
      try {
        parsed = LintServerResponse.safeParse(JSON.parse(buffered.slice(0, end)));
      } catch {
        return finish(undefined);
      }
      finish(parsed.success ? parsed.data : undefined);
    });
  });
}

export interface ServedLint {
  repoDir: string;
  typed: boolean;
  targets: LintTarget[];
  server: LintServerUse;
  env?: NodeJS.ProcessEnv;
  /** How long a lint may take on the server before the gate gives up on it and lints itself. */
  timeoutMs?: number;
  /** Told which ESLint linted (the server's, or the in-process one). */
  onEslint?: (runtime: EslintRuntime) => void;
}

/**
 * ESLint reports for `targets`: from the repo's lint server when one answers, else in-process.
 * A broken config is the same ConfigError either way. With `auto`, a missing or retiring
 * server is started in the background after this run's own lint, for the next run.
 */
export async function lintWithServer(req: ServedLint): Promise<LintFileReport[]> {
  // Never in CI: a runner's job ends, and a server left behind would only hold memory.
  let restart = req.server === 'auto' && !(req.env ?? process.env).CI;
  if (req.server !== 'off') {
    const { dir, socket } = lintServerPaths(req.repoDir, req.env);
    const res = process.platform === 'win32' || (isPrivateDir(dir) && existsSync(socket))
      ? await askLintServer(socket, { op: 'lint', version: shardshipVersion(), repoDir: resolve(req.repoDir), typed: req.typed, targets: req.targets }, req.timeoutMs ?? 120_000)
      : undefined;
    const reports = reportsOf(res);
    if (reports) {
      if (res?.kind === 'reports' && res.eslint) req.onEslint?.(res.eslint);
      return reports;
    }
    // A server that declines for good (typed linting) would decline its successor too.
    if (res?.kind === 'declined' && !res.retiring) restart = false;
  }
  const linter = await createCodeLinter({ repoDir: req.repoDir, typed: req.typed });
  req.onEslint?.(linter.eslint);
  const reports = await linter.lint(req.targets);
  if (restart) {
    try {
      spawnLintServer(req.repoDir, req.env ? { env: req.env } : {});
    } catch {
      // The next run lints in-process again; `lint-server start` says what is wrong.
    }
  }
  return reports;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  idleTimeout?: string;
}

/** Start `shardship lint-server start --foreground` detached, logging to its log file; returns its pid. */
export function spawnLintServer(repoDir: string, opts: SpawnOptions = {}): number | undefined {
  const bin = join(packageRoot(), 'bin', 'shardship.js');
  if (!existsSync(bin)) return undefined; // an action bundle: no CLI to run a server with
  const paths = lintServerPaths(repoDir, opts.env);
  if (process.platform !== 'win32') ensurePrivateDir(paths.dir);
  const log = openSync(paths.log, 'a', 0o600);
  try {
    const args = [bin, 'lint-server', 'start', '--foreground', '--repo', resolve(repoDir), ...(opts.idleTimeout ? ['--idle-timeout', opts.idleTimeout] : [])];
    const child = spawn(process.execPath, args, { cwd: repoDir, env: opts.env ?? process.env, detached: true, stdio: ['ignore', log, log] });
    child.on('error', () => {});
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** The running server's status, or undefined when none answers. */
export async function lintServerStatus(repoDir: string, env?: NodeJS.ProcessEnv): Promise<LintServerStatus | undefined> {
  const res = await askPrivate(repoDir, { op: 'status' }, env);
  return res?.kind === 'status' ? res.status : undefined;
}

/** Ask the running server to stop; false when none was running. */
export async function stopLintServer(repoDir: string, env?: NodeJS.ProcessEnv): Promise<boolean> {
  const res = await askPrivate(repoDir, { op: 'stop' }, env);
  return res?.kind === 'stopping';
}

/**
 * Start a detached server and wait until it has loaded the config (so the next gate is fast).
 * An already running one is returned as it is.
 */
export async function startLintServerDetached(repoDir: string, opts: SpawnOptions & { readyTimeoutMs?: number } = {}): Promise<{ status: LintServerStatus; started: boolean }> {
  const running = await lintServerStatus(repoDir, opts.env);
  if (running) return { status: running, started: false };
  const paths = lintServerPaths(repoDir, opts.env);
  const logStart = existsSync(paths.log) ? readFileSync(paths.log).length : 0;
  const pid = spawnLintServer(repoDir, opts);
  if (pid === undefined) throw new ServiceError('lint server', `no shardship CLI beside ${packageRoot()}`, { hint: 'run it from an installed shardship package' });
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    const status = await lintServerStatus(repoDir, opts.env);
    if (status?.ready) return { status, started: true };
    if (!alive(pid) || Date.now() > deadline) {
      const tail = existsSync(paths.log) ? readFileSync(paths.log).subarray(logStart).toString('utf8').trim().split('\n').slice(-5).join('\n') : '';
      throw new ServiceError('lint server', `did not become ready${alive(pid) ? ' in time' : ' (it exited)'}${tail ? `:\n${tail}` : ''}`, { hint: `see ${paths.log}` });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function askPrivate(repoDir: string, request: LintServerRequest, env?: NodeJS.ProcessEnv): Promise<LintServerResponse | undefined> {
  const { dir, socket } = lintServerPaths(repoDir, env);
  if (process.platform !== 'win32' && !isPrivateDir(dir)) return Promise.resolve(undefined);
  return askLintServer(socket, request, 5_000);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
