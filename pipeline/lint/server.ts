// A resident lint server for one repo, like eslint_d: it keeps ESLint, the repo's config and
// its plugins loaded, so a gate run in a hook pays milliseconds instead of the ~1.5 s a fresh
// process spends importing typescript-eslint. It declines (and the client lints in-process)
// whatever it cannot answer exactly as a fresh process would: a config, a module it imports or
// the dependencies changed since it started (it then exits, since Node cannot unload them),
// another shardship version, legacy eslintrc cascades, and typed linting (type information
// depends on files the request does not carry).
import { existsSync, rmSync, chmodSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { UsageError } from '../core/errors.js';
import { shardshipVersion } from '../core/package-root.js';
import { configState, unchangedSince } from './config-state.js';
import { createCodeLinter } from './eslint.js';
import { askLintServer } from './server-client.js';
import { ensurePrivateDir, lintAnswer, LintServerRequest, type LintServerPaths, type LintServerResponse, type LintServerStatus } from './server-protocol.js';

export interface LintServerOptions {
  repoDir: string;
  paths: LintServerPaths;
  /** Exit after this long without a request. */
  idleTimeoutMs: number;
  /** One line per event; never file contents. */
  log?: (line: string) => void;
}

export interface LintServer {
  readonly socket: string;
  /** Resolves with the reason once the server has stopped and removed its socket. */
  readonly stopped: Promise<string>;
  stop(reason: string): Promise<void>;
}

export async function startLintServer(opts: LintServerOptions): Promise<LintServer> {
  const log = opts.log ?? (() => {});
  const repoDir = await realpath(opts.repoDir);
  const { socket } = opts.paths;
  if (process.platform !== 'win32') ensurePrivateDir(opts.paths.dir);
  if (existsSync(socket) || process.platform === 'win32') {
    const running = await askLintServer(socket, { op: 'status' }, 2_000);
    if (running?.kind === 'status') {
      throw new UsageError(`a lint server already runs for ${repoDir} (pid ${running.status.pid})`, { hint: 'shardship lint-server stop, to replace it' });
    }
    if (process.platform !== 'win32') rmSync(socket, { force: true }); // left by a killed server
  }

  const version = shardshipVersion();
  const startState = await configState(repoDir);
  // `typed` only picks between shardship's default configs; a repo's own config ignores it, and
  // the typed default is declined anyway. So one untyped linter answers every request.
  const loading = createCodeLinter({ repoDir, typed: false });
  const status: LintServerStatus = {
    pid: process.pid,
    version,
    repoDir,
    ready: false,
    startedAt: new Date().toISOString(),
    lastUsedAt: new Date().toISOString(),
    idleTimeoutMs: opts.idleTimeoutMs,
    served: 0,
    declined: 0,
    openConnections: 0,
  };
  const warmUp = loading
    .then(async (linter) => {
      await linter.prepare();
      if (linter.configFile) status.configFile = linter.configFile;
      log(`ready: ${linter.configFile ?? 'shardship default config'}`);
    })
    .catch((e: unknown) => log(`warm-up failed (lint requests will report it): ${e instanceof Error ? e.message : String(e)}`))
    .finally(() => (status.ready = true));

  let stopping: string | undefined;
  let resolveStopped!: (reason: string) => void;
  const stopped = new Promise<string>((r) => (resolveStopped = r));
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => void stop(`idle for ${Math.round(opts.idleTimeoutMs / 1000)} s`), opts.idleTimeoutMs);
  };

  // ESLint's cache file and its instance are not made for concurrent lintFiles: one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const declined = (reason: string, retiring = false): LintServerResponse => {
    status.declined++;
    log(`declined: ${reason}`);
    if (retiring) void stop(reason);
    return { kind: 'declined', reason, retiring };
  };

  async function lint(req: Extract<LintServerRequest, { op: 'lint' }>): Promise<LintServerResponse> {
    if (req.version !== version) return declined(`this lint server runs shardship ${version}, the gate ${req.version}`, true);
    if ((await realpath(req.repoDir).catch(() => req.repoDir)) !== repoDir) return declined(`this lint server is for ${repoDir}`);
    if (!(await unchangedSince(repoDir, startState))) return declined('the ESLint config or the dependencies changed since the lint server started', true);
    const typedReason = 'typed linting reads files the request does not carry';
    const linter = await loading;
    if (req.typed && !linter.configFile) return declined(typedReason);
    if (linter.configKind === 'eslintrc') return declined('legacy eslintrc configs cascade through folders the server does not watch');
    const started = Date.now();
    const typeAware = await linter.typeAware(req.targets.map((t) => t.path)).catch(() => false); // a broken config: lint() reports it
    if (typeAware) return declined(typedReason);
    const answer = await lintAnswer(linter, req.targets);
    if (answer.kind === 'reports') status.served++;
    log(`${answer.kind === 'reports' ? 'linted' : answer.kind} ${req.targets.length} file(s) in ${Date.now() - started} ms`);
    return answer;
  }

  async function answer(line: string): Promise<LintServerResponse> {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return { kind: 'error', message: 'the request is not JSON' };
    }
    const req = LintServerRequest.safeParse(raw);
    if (!req.success) return { kind: 'error', message: `bad request: ${req.error.issues[0]?.message ?? 'invalid'}` };
    status.lastUsedAt = new Date().toISOString();
    touch();
    switch (req.data.op) {
      case 'status':
        return { kind: 'status', status: { ...status, openConnections: connections.size } };
      case 'stop':
        void stop('asked to stop');
        return { kind: 'stopping' };
      case 'lint': {
        const request = req.data;
        await warmUp;
        return serial(() => lint(request)).catch((e: unknown) => ({ kind: 'error' as const, message: e instanceof Error ? e.message : String(e) }));
      }
    }
  }

  const connections = new Set<Socket>();
  const server: Server = createServer((conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => conn.destroy());
    let buffered = '';
    let asked = false;
    conn.setEncoding('utf8');
    // Keep reading after the request line (and ignore the rest): a paused socket never sees the
    // client's end, and would stay open for the server's whole life.
    conn.on('data', (chunk: string) => {
      if (asked) return;
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      asked = true;
      void answer(buffered.slice(0, end)).then((res) => conn.end(JSON.stringify(res) + '\n'));
    });
  });

  async function stop(reason: string): Promise<void> {
    if (stopping) return stopped.then(() => undefined);
    stopping = reason;
    clearTimeout(idle);
    log(`stopping: ${reason}`);
    // Closing unlinks the socket at once (libuv does); replies already written still reach
    // their clients, then whatever is left is cut. Unlinking later could remove a successor's.
    const closed = new Promise<void>((r) => server.close(() => r()));
    if (process.platform !== 'win32') rmSync(socket, { force: true });
    setTimeout(() => {
      for (const c of connections) c.destroy();
    }, 1_000).unref();
    await closed;
    resolveStopped(reason);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  if (process.platform !== 'win32') chmodSync(socket, 0o600);
  touch();
  log(`listening on ${socket} for ${repoDir} (pid ${process.pid}, shardship ${version})`);
  return { socket, stopped, stop };
}
