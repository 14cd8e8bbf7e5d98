// `shardship migrate apply|status|verify|repair`: the executing half of shard-aware migrations,
// added to the `migrate` command that migrate.ts (plan/lint) creates.
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import type { CliContext, CommandModule } from '../context.js';
import type { MigrateConfig } from '../../config/migrate.js';
import type { TimeoutsConfig } from '../../config/timeouts.js';
import { UsageError } from '../../core/errors.js';
import { versioned, type Output } from '../../core/output.js';
import type { MigrationRun } from '../../migrate/apply.js';
import { formatBytes } from '../../migrate/capacity.js';
import type { MigrationPlan } from '../../migrate/plan-types.js';
import { formatDatabaseLine, progressReporter } from '../../migrate/progress.js';
import type { CellState, StatusReport } from '../../migrate/status.js';
import type { Topology } from '../../migrate/topology.js';
import { formatDrift, type DriftReport } from '../../migrate/verify.js';
import type { ShardConnector } from '../../mysql/types.js';
import { chooseEnvironment, migratePlanHooks } from './migrate.js';

interface CommonFlags {
  config: string;
  env?: string;
  json?: boolean;
}

interface Session {
  config: MigrateConfig;
  topology: Topology;
  connections: ShardConnector;
  plan: () => Promise<MigrationPlan>;
}

async function openSession(ctx: CliContext, flags: CommonFlags): Promise<Session> {
  // Loaded on use: `shardship --help` registers every command (node-sql-parser, zod schemas).
  const [{ loadConfig }, { migrateSection, planMigrations }, { resolveTopology }] = await Promise.all([
    import('../../config/load.js'),
    import('../../migrate/plan.js'),
    import('../../migrate/topology.js'),
  ]);
  const loaded = await loadConfig(ctx.cwd, flags.config);
  const config = migrateSection(loaded.config);
  const environment = chooseEnvironment(config, flags.env);
  const topology = resolveTopology(config, environment, loaded.source);
  const connections = await connectorFor(ctx, config, topology, loaded.config.timeouts);
  return {
    config,
    topology,
    connections,
    // The full plan (nothing assumed applied): the executor compares every file with each history.
    plan: () => planMigrations({ cwd: ctx.cwd, config, environment, ...(loaded.source ? { configSource: loaded.source } : {}) }),
  };
}

async function connectorFor(ctx: CliContext, config: MigrateConfig, topology: Topology, timeouts?: TimeoutsConfig): Promise<ShardConnector> {
  // mysql2 loads only when a command connects.
  const [{ createShardConnector }, { durationMs }, { DEFAULT_TIMEOUTS }] = await Promise.all([
    import('../../mysql/pool.js'),
    import('../../config/common.js'),
    import('../../config/timeouts.js'),
  ]);
  timeouts ??= DEFAULT_TIMEOUTS;
  return createShardConnector({
    environment: topology.environment,
    nodes: Object.fromEntries(topology.nodes.map((n) => [n.name, { dsnEnv: n.dsnEnv, concurrency: n.concurrency }])),
    env: ctx.env,
    nodeConcurrency: config.nodeConcurrency,
    connectTimeoutMs: durationMs(timeouts.mysqlConnect),
    queryTimeoutMs: durationMs(timeouts.mysqlQuery),
  });
}

/** The backup stage's pre-migration snapshot, as the executor's optional `beforeStatement` port. */
async function snapshotPort(ctx: CliContext, config: MigrateConfig) {
  const mode = config.snapshotBefore ?? 'destructive';
  if (mode === 'never') return undefined;
  const [{ snapshotHook }, { readMigrations }, path] = await Promise.all([import('../../backup/snapshot.js'), import('../../migrate/migration-files.js'), import('node:path')]);
  return snapshotHook(mode, await readMigrations(path.resolve(ctx.cwd, config.directory), { cwd: ctx.cwd }));
}

/** Who applied: recorded in every history row. */
export function appliedBy(env: NodeJS.ProcessEnv): string {
  if (env.SHARDSHIP_APPLIED_BY) return env.SHARDSHIP_APPLIED_BY;
  if (env.GITHUB_ACTOR) return `${env.GITHUB_ACTOR} (${env.GITHUB_REPOSITORY ?? 'github'} run ${env.GITHUB_RUN_ID ?? '?'})`;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep "unknown".
  }
  return `${user}@${hostname()}`;
}

const CELL: Record<CellState, string> = { success: 'ok', failed: 'FAILED', running: 'RUNNING', pending: '-', changed: 'CHANGED', unknown: '?' };

export function renderStatus(report: StatusReport, out: Output): string[] {
  const p = out.paint;
  const width = Math.max(8, ...report.versions.map((v) => v.length + 2));
  const lines = [`${'database'.padEnd(24)} ${report.versions.map((v) => `V${v}`.padEnd(width)).join(' ')} size`];
  for (const d of report.databases) {
    const cells = report.versions.map((v) => {
      const s = d.states[v] ?? 'unknown';
      const text = CELL[s].padEnd(width);
      return s === 'success' ? p.green(text) : s === 'pending' ? p.dim(text) : p.red(text);
    });
    const cap = d.capacity ? `${formatBytes(d.capacity.bytes)}${d.capacity.capBytes ? ` / ${formatBytes(d.capacity.capBytes)} cap` : ''}` : 'unreachable';
    lines.push(`${`${d.target.node}/${d.target.database}`.padEnd(24)} ${cells.join(' ')} ${d.capacity?.over ? p.red(cap + ' OVER CAP') : cap}`);
  }
  for (const problem of report.problems) lines.push(p.red('problem ') + problem);
  return lines;
}

export function renderDriftMatrix(report: DriftReport, out: Output): string[] {
  const p = out.paint;
  const lines = [`${'logical table'.padEnd(24)} copies  variants  drifting`];
  for (const t of report.tables) {
    const row = `${t.logicalTable.padEnd(24)} ${String(t.copies).padStart(6)}  ${String(t.variants.length).padStart(8)}  ${String(t.drifting.length).padStart(8)}`;
    lines.push(t.drifting.length ? p.red(row) : row);
  }
  return [...lines, ...formatDrift(report)];
}

function renderRun(run: MigrationRun, out: Output): string[] {
  const p = out.paint;
  const lines: string[] = [];
  if (out.isTTY) for (const d of run.databases) lines.push(formatDatabaseLine(d));
  if (run.verifyBefore && !run.verifyBefore.ok) lines.push(p.yellow('warning: drift before apply:'), ...formatDrift(run.verifyBefore));
  if (run.verifyCanary && !run.verifyCanary.ok) lines.push(p.red('canary drift:'), ...formatDrift(run.verifyCanary));
  if (run.verifyAfter && !run.verifyAfter.ok) lines.push(p.red('drift after apply:'), ...formatDrift(run.verifyAfter));
  if (run.stopped) lines.push(p.red('stopped: ') + run.stopped);
  const count = (o: string) => run.databases.filter((d) => d.outcome === o).length;
  const statements = run.databases.reduce((n, d) => n + d.statementsRun, 0);
  const failed = run.databases.filter((d) => !['applied', 'up-to-date', 'skipped'].includes(d.outcome));
  const summary = `${run.databases.length} databases: ${count('applied')} applied, ${count('up-to-date')} up to date, ${failed.length} failed, ${count('skipped')} skipped; ${statements} statements in ${(run.durationMs / 1000).toFixed(1)}s`;
  lines.push(run.ok ? p.green(summary) : p.red(summary));
  for (const d of failed) lines.push(p.red(`  ${d.target.node}/${d.target.database} ${d.outcome}: `) + (d.error ?? ''));
  if (!run.ok && failed.length) lines.push('re-run `shardship migrate apply` to resume: only what is missing runs, from the failed statement');
  return lines;
}

function findOrCreateMigrate(program: Command): Command {
  return program.commands.find((c) => c.name() === 'migrate') ?? program.command('migrate').description('shard-aware schema migrations');
}

export const registerMigrateApply: CommandModule = (program: Command, ctx: CliContext) => {
  const migrate = findOrCreateMigrate(program);

  // `migrate plan` shows only what is still pending once it can read the histories.
  migratePlanHooks.loadApplied = async ({ ctx: c, config, topology }) => {
    const { readHistory } = await import('../../migrate/history.js');
    const connections = await connectorFor(c, config, topology);
    const applied = new Map<string, Set<string>>();
    try {
      await Promise.all(
        topology.databases.map(async (target) => {
          const conn = await connections.connect(target);
          try {
            applied.set(target.database, new Set(((await readHistory(conn)) ?? []).filter((r) => r.state === 'success').map((r) => r.version)));
          } finally {
            await conn.close();
          }
        }),
      );
    } finally {
      await connections.end();
    }
    return applied;
  };

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
      const s = await openSession(ctx, opts);
      try {
        if (opts.dryRun) {
          const [{ planApplyRun }, { applyPlanExitCode, renderApplyPlan }] = await Promise.all([import('../../migrate/apply.js'), import('../../migrate/apply-plan-text.js')]);
          const applyPlan = await planApplyRun(await s.plan(), { connections: s.connections, config: s.config, ...(opts.canary ? { canary: opts.canary } : {}), stopOnError: Boolean(opts.stopOnError) });
          if (opts.json) ctx.output.json(versioned(applyPlan));
          else for (const line of renderApplyPlan(applyPlan, ctx.output.paint)) ctx.output.out(line);
          ctx.exitCode = applyPlanExitCode(applyPlan);
          return;
        }
        const [{ applyMigrations }, { copiesFromTopology }, { onlineSchemaChangerFor }] = await Promise.all([
          import('../../migrate/apply.js'),
          import('../../migrate/verify.js'),
          import('../../pt-osc/pt-online-schema-change.js'),
        ]);
        const plan = await s.plan();
        const onlineSchemaChange = await onlineSchemaChangerFor(s.config, s.topology, ctx.env);
        for (const f of plan.findings.filter((x) => x.severity === 'error')) ctx.output.err(`${ctx.output.paint.yellow('lint')} ${f.file}:${f.line} ${f.ruleId}: ${f.message}`);
        const progress = progressReporter(opts.json ? { ...ctx.output, isTTY: false } : ctx.output);
        const beforeStatement = await snapshotPort(ctx, s.config);
        const run = await applyMigrations(plan, {
          ...(beforeStatement ? { beforeStatement } : {}),
          connections: s.connections,
          config: s.config,
          nodeConcurrency: Object.fromEntries(s.topology.nodes.map((n) => [n.name, n.concurrency])),
          ...(opts.canary ? { canary: opts.canary } : {}),
          stopOnError: Boolean(opts.stopOnError),
          appliedBy: appliedBy(ctx.env),
          lockTimeoutSeconds: opts.lockTimeout,
          onProgress: (e) => progress.onProgress(e),
          // The after-check is `migrate verify` over the tables the plan touches.
          tables: copiesFromTopology(s.topology),
          ...(onlineSchemaChange ? { onlineSchemaChange } : {}),
        });
        progress.finish();
        if (opts.json) ctx.output.json(versioned(run));
        else for (const line of renderRun(run, ctx.output)) ctx.output.out(line);
        ctx.exitCode = run.ok ? 0 : 1;
      } finally {
        await s.connections.end();
      }
    });

  migrate
    .command('status')
    .description('migration x database matrix with each database size against the capacity cap (exit 1 on failed/changed/over cap)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--json', 'print the status as JSON')
    .action(async (opts: CommonFlags) => {
      const s = await openSession(ctx, opts);
      try {
        const { migrationStatus } = await import('../../migrate/status.js');
        const report = await migrationStatus(await s.plan(), {
          connections: s.connections,
          concurrency: s.config.concurrency,
          ...(s.topology.capacityBytes ? { capacityBytes: s.topology.capacityBytes } : {}),
        });
        if (opts.json) ctx.output.json(versioned(report));
        else for (const line of renderStatus(report, ctx.output)) ctx.output.out(line);
        ctx.exitCode = report.ok ? 0 : 1;
      } finally {
        await s.connections.end();
      }
    });

  migrate
    .command('verify')
    .description('compare SHOW CREATE TABLE of every physical copy of each logical table (exit 1 on drift)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--json', 'print the drift report as JSON')
    .action(async (opts: CommonFlags) => {
      const s = await openSession(ctx, opts);
      try {
        const { copiesFromTopology, verifySchemas } = await import('../../migrate/verify.js');
        const report = await verifySchemas(copiesFromTopology(s.topology), { connections: s.connections, concurrency: s.config.concurrency });
        if (opts.json) ctx.output.json(versioned(report));
        else {
          for (const line of renderDriftMatrix(report, ctx.output)) ctx.output.out(line);
          ctx.output.out(report.ok ? ctx.output.paint.green('no drift') : ctx.output.paint.red('drift found'));
        }
        ctx.exitCode = report.ok ? 0 : 1;
      } finally {
        await s.connections.end();
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
      const s = await openSession(ctx, opts);
      try {
        const { formatRepairChange, repairHistory } = await import('../../migrate/repair.js');
        const result = await repairHistory(await s.plan(), { connections: s.connections, dryRun: Boolean(opts.dryRun) });
        if (opts.json) ctx.output.json(versioned(result));
        else {
          for (const c of result.changes) ctx.output.out((opts.dryRun ? 'would: ' : '') + formatRepairChange(c));
          for (const e of result.errors) ctx.output.err(ctx.output.paint.red('error ') + e);
          if (result.changes.length === 0) ctx.output.out('nothing to repair');
        }
        ctx.exitCode = result.errors.length ? 1 : 0;
      } finally {
        await s.connections.end();
      }
    });
};
