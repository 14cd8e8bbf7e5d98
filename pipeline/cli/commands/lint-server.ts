// `shardship lint-server start|stop|status`: the resident ESLint process gate runs reuse.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliContext, CommandModule } from '../context.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { versioned } from '../../core/output.js';
import { parseDurationFlag } from '../flags.js';
import type { LintServerStatus } from '../../lint/server-protocol.js';

interface RepoFlags {
  repo: string;
  json?: boolean;
}

/** `--repo`, resolved: it must be a folder (the repository the gate runs in). */
function repoFolder(ctx: CliContext, flag: string): string {
  const dir = resolve(ctx.cwd, flag);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--repo ${flag}: no such folder`, { hint: 'point --repo at the repository the gate runs in' });
  return dir;
}

function describe(s: LintServerStatus): string {
  return `lint server for ${s.repoDir}: pid ${s.pid}, shardship ${s.version}, config ${s.configFile ?? 'shardship default'}, ${s.served} served, ${s.declined} declined, since ${s.startedAt}`;
}

export const registerLintServer: CommandModule = (program, ctx) => {
  const cmd = program
    .command('lint-server')
    .description('a resident ESLint process for one repository that gate runs reuse (like eslint_d): start, stop, status');
  cmd
    .command('start')
    .description('start the lint server for a repository and wait until its ESLint config has loaded')
    .option('--repo <dir>', 'repository directory (the one the gate runs in)', '.')
    .option('--idle-timeout <duration>', 'stop after this long without a request', '30m')
    .option('--foreground', 'serve in this process until stopped (for a service manager)')
    .option('--json', 'print the server status as JSON')
    .action(async (flags: RepoFlags & { idleTimeout: string; foreground?: boolean }) => {
      const dir = repoFolder(ctx, flags.repo);
      const idleMs = await parseDurationFlag('idle-timeout', flags.idleTimeout);
      if (flags.foreground) return serveInForeground(ctx, dir, idleMs);
      const { startLintServerDetached } = await import('../../lint/server-client.js');
      const { status, started } = await startLintServerDetached(dir, { env: ctx.env, idleTimeout: `${idleMs}ms` });
      if (flags.json) ctx.output.json(versioned({ running: true, started, status }));
      else ctx.output.out(`${started ? 'started' : 'already running:'} ${describe(status)}`);
    });
  cmd
    .command('status')
    .description('say whether a lint server runs for a repository, and what it has served')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--json', 'print the status as JSON')
    .action(async (flags: RepoFlags) => {
      const { lintServerStatus } = await import('../../lint/server-client.js');
      const dir = repoFolder(ctx, flags.repo);
      const status = await lintServerStatus(dir, ctx.env);
      if (flags.json) ctx.output.json(versioned(status ? { running: true, status } : { running: false }));
      else ctx.output.out(status ? describe(status) : `no lint server runs for ${dir}`);
      if (!status) ctx.exitCode = ExitCode.CheckFailed;
    });
  cmd
    .command('stop')
    .description('stop the lint server of a repository')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--json', 'print whether one was stopped as JSON')
    .action(async (flags: RepoFlags) => {
      const { stopLintServer } = await import('../../lint/server-client.js');
      const dir = repoFolder(ctx, flags.repo);
      const stopped = await stopLintServer(dir, ctx.env);
      if (flags.json) ctx.output.json(versioned({ stopped }));
      else ctx.output.out(stopped ? `stopped the lint server for ${dir}` : `no lint server runs for ${dir}`);
    });
};

async function serveInForeground(ctx: CliContext, repoDir: string, idleMs: number): Promise<void> {
  const [{ startLintServer }, { lintServerPaths }] = await Promise.all([import('../../lint/server.js'), import('../../lint/server-protocol.js')]);
  const server = await startLintServer({
    repoDir,
    paths: lintServerPaths(repoDir, ctx.env),
    idleTimeoutMs: idleMs,
    log: (line) => ctx.output.out(`${new Date().toISOString()} ${line}`),
  });
  const onSignal = () => void server.stop('signalled');
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await server.stopped;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
