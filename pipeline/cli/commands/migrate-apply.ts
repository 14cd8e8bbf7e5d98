// `shardship migrate apply|status|verify|repair`: the executing half of shard-aware migrations,
// added to the `migrate` command that migrate.ts (plan/lint) creates.
import type { Command } from 'commander';
import type { CliContext, CommandModule } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { versioned } from '../../core/output.js';
import type { ShardConnector } from '../../core/shards.js';
import type { MigrateSession } from '../../session/migrate.js';

interface CommonFlags {
  config: string;
  env?: string;
  json?: boolean;
}

/** The session of `--env` (file:line on config errors), connected to its nodes. */
async function connectSession(ctx: CliContext, flags: CommonFlags): Promise<{ session: MigrateSession; connections: ShardConnector }> {
  // Loaded on use: `shardship --help` registers every command (node-sql-parser, zod schemas).
  const [{ loadConfig }, { openMigrateSession }] = await Promise.all([import('../../config/load.js'), import('../../session/migrate.js')]);
  const loaded = await loadConfig(ctx.cwd, flags.config);
  const session = openMigrateSession({ cwd: ctx.cwd, config: loaded.config, ...(loaded.source ? { source: loaded.source } : {}), environment: flags.env, env: ctx.env });
  return { session, connections: await session.connect() };
}

function findOrCreateMigrate(program: Command): Command {
  return program.commands.find((c) => c.name() === 'migrate') ?? program.command('migrate').description('shard-aware schema migrations');
}

export const registerMigrateApply: CommandModule = (program: Command, ctx: CliContext) => {
  const migrate = findOrCreateMigrate(program);

  migrate
    .command('apply')
    .description('apply pending migrations to every physical database: parallel, resumable, verified (exit 1 if any database failed)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--canary <n>', 'apply to N databases first, verify them, then the rest', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--canary takes a positive number, got ${v}`);
      return n;
    })
    .option('--stop-on-error', 'start no further database after one fails')
    .option('--lock-timeout <seconds>', 'how long to wait for another apply holding a database', (v) => Number(v), 10)
    .option('--dry-run', 'read every history and print what would run, skip or be refused per database, in which wave; change nothing')
    .option('--json', 'print the run report (with --dry-run: the plan) as JSON')
    .action(async (opts: CommonFlags & { canary?: number; stopOnError?: boolean; lockTimeout: number; dryRun?: boolean }) => {
      const { session: s, connections } = await connectSession(ctx, opts);
      try {
        if (opts.dryRun) {
          const [{ planApplyRun }, { applyPlanExitCode, renderApplyPlan }] = await Promise.all([import('../../migrate/apply.js'), import('../../migrate/apply-plan-text.js')]);
          const applyPlan = await planApplyRun(await s.plan(), { connections, config: s.config, ...(opts.canary ? { canary: opts.canary } : {}), stopOnError: Boolean(opts.stopOnError) });
          if (opts.json) ctx.output.json(versioned(applyPlan));
          else for (const line of renderApplyPlan(applyPlan, ctx.output.paint)) ctx.output.out(line);
          ctx.exitCode = applyPlanExitCode(applyPlan);
          return;
        }
        const [{ applyMigrations }, { renderApplyText }, { progressReporter }] = await Promise.all([
          import('../../migrate/apply.js'),
          import('../../migrate/apply-text.js'),
          import('../../migrate/progress.js'),
        ]);
        const plan = await s.plan();
        const ports = await s.applyOptions(connections);
        for (const f of plan.findings.filter((x) => x.severity === 'error')) ctx.output.err(`${ctx.output.paint.yellow('lint')} ${f.file}:${f.line} ${f.ruleId}: ${f.message}`);
        const progress = progressReporter(opts.json ? { ...ctx.output, isTTY: false } : ctx.output);
        const run = await applyMigrations(plan, {
          ...ports,
          ...(opts.canary ? { canary: opts.canary } : {}),
          stopOnError: Boolean(opts.stopOnError),
          lockTimeoutSeconds: opts.lockTimeout,
          onProgress: (e) => progress.onProgress(e),
        });
        progress.finish();
        if (opts.json) ctx.output.json(versioned(run));
        else for (const line of renderApplyText(run, ctx.output)) ctx.output.out(line);
        ctx.exitCode = run.ok ? 0 : 1;
      } finally {
        await connections.end();
      }
    });

  migrate
    .command('status')
    .description('migration x database matrix with each database size against the capacity cap (exit 1 on failed/changed/over cap)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--json', 'print the status as JSON')
    .action(async (opts: CommonFlags) => {
      const { session: s, connections } = await connectSession(ctx, opts);
      try {
        const [{ migrationStatus }, { renderStatusText }] = await Promise.all([import('../../migrate/status.js'), import('../../migrate/status-text.js')]);
        const report = await migrationStatus(await s.plan(), {
          connections,
          concurrency: s.config.concurrency,
          ...(s.topology.capacityBytes ? { capacityBytes: s.topology.capacityBytes } : {}),
        });
        if (opts.json) ctx.output.json(versioned(report));
        else for (const line of renderStatusText(report, ctx.output.paint)) ctx.output.out(line);
        ctx.exitCode = report.ok ? 0 : 1;
      } finally {
        await connections.end();
      }
    });

  migrate
    .command('verify')
    .description('compare SHOW CREATE TABLE of every physical copy of each logical table (exit 1 on drift)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--json', 'print the drift report as JSON')
    .action(async (opts: CommonFlags) => {
      const { session: s, connections } = await connectSession(ctx, opts);
      try {
        const [{ copiesFromTopology, verifySchemas }, { renderDriftText }] = await Promise.all([import('../../migrate/verify.js'), import('../../migrate/verify-text.js')]);
        const report = await verifySchemas(copiesFromTopology(s.topology), { connections, concurrency: s.config.concurrency });
        if (opts.json) ctx.output.json(versioned(report));
        else {
          for (const line of renderDriftText(report, ctx.output.paint)) ctx.output.out(line);
          ctx.output.out(report.ok ? ctx.output.paint.green('no drift') : ctx.output.paint.red('drift found'));
        }
        ctx.exitCode = report.ok ? 0 : 1;
      } finally {
        await connections.end();
      }
    });

  migrate
    .command('repair')
    .description('deliberately realign history checksums with the files and clear failed rows that ran nothing; prints every change')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--dry-run', 'print what would change, change nothing')
    .option('--json', 'print the changes as JSON')
    .action(async (opts: CommonFlags & { dryRun?: boolean }) => {
      const { session: s, connections } = await connectSession(ctx, opts);
      try {
        const { formatRepairChange, repairHistory } = await import('../../migrate/repair.js');
        const result = await repairHistory(await s.plan(), { connections, dryRun: Boolean(opts.dryRun) });
        if (opts.json) ctx.output.json(versioned(result));
        else {
          for (const c of result.changes) ctx.output.out((opts.dryRun ? 'would: ' : '') + formatRepairChange(c));
          for (const e of result.errors) ctx.output.err(ctx.output.paint.red('error ') + e);
          if (result.changes.length === 0) ctx.output.out('nothing to repair');
        }
        ctx.exitCode = result.errors.length ? 1 : 0;
      } finally {
        await connections.end();
      }
    });
};
