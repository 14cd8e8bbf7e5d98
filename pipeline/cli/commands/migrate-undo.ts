// `shardship migrate undo VERSION`: puts back the tables the pre-migration snapshot of VERSION
// holds and its history rows, on every database (pipeline/backup/snapshot.ts does the work).
import type { Command } from 'commander';
import { actorLine, currentActor } from '../../core/actor.js';
import { versioned } from '../../core/output.js';
import type { CliContext, CommandModule } from '../context.js';

export const registerMigrateUndo: CommandModule = (program: Command, ctx: CliContext) => {
  const migrate = program.commands.find((c) => c.name() === 'migrate') ?? program.command('migrate');
  migrate
    .command('undo')
    .description('restore the tables a migration snapshotted before its destructive statements, and its history, on every database (exit 1 when refused)')
    .argument('<version>', 'migration version, e.g. 7 or 2.1')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--json', 'print the result as JSON')
    .action(async (version: string, opts: { config: string; env?: string; json?: boolean }) => {
      const [{ loadConfig }, { BackupConfig }, { durationMs }, { openMigrateSession }, { undoMigration }] = await Promise.all([
        import('../../config/load.js'),
        import('../../config/backup.js'),
        import('../../config/common.js'),
        import('../../session/migrate.js'),
        import('../../backup/snapshot.js'),
      ]);
      const v = version.replace(/^V/i, '');
      const loaded = await loadConfig(ctx.cwd, opts.config);
      const backup = BackupConfig.parse(loaded.config.backup ?? {});
      const session = openMigrateSession({ cwd: ctx.cwd, config: loaded.config, ...(loaded.source ? { source: loaded.source } : {}), environment: opts.env, env: ctx.env });
      const { config, topology } = session;
      const plan = await session.plan();
      const connections = await session.connect();
      try {
        const run = await undoMigration(plan, v, {
          connections,
          limits: { concurrency: config.concurrency, nodeConcurrency: config.nodeConcurrency, perNode: Object.fromEntries(topology.nodes.map((n) => [n.name, n.concurrency])), threads: 1 },
          lockTimeoutSeconds: Math.max(1, Math.round(durationMs(backup.lockTimeout) / 1000)),
          undoneBy: actorLine(currentActor(ctx.env)),
        });
        const p = ctx.output.paint;
        if (opts.json) ctx.output.json(versioned(run));
        else {
          for (const d of run.databases) ctx.output.err(`${`${d.target.node}/${d.target.database}`.padEnd(24)} ${d.outcome === 'undone' ? p.green(d.outcome) : d.outcome === 'not-applied' ? p.dim(d.outcome) : p.red(d.outcome)}  ${d.tables.join(', ')}${d.error ? `\n    ${d.error}` : ''}`);
          ctx.output.out(run.ok ? p.green(`V${v} undone on ${run.databases.filter((d) => d.outcome === 'undone').length} database(s) in ${(run.durationMs / 1000).toFixed(1)}s; remove or fix its file before the next apply`) : p.red(`undo of V${v} failed`));
        }
        ctx.exitCode = run.ok ? 0 : 1;
      } finally {
        await connections.end();
      }
    });
};
