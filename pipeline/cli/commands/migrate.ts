// `shardship migrate plan|lint|import-shardingsphere`: the planning half of shard-aware
// migrations. `apply|status|verify|repair` are added to the same `migrate` command by
// migrate-apply.ts (registered after this one).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext, CommandModule } from '../context.js';
import type { LoadedConfig } from '../../config/load.js';
import type { MigrateConfig } from '../../config/migrate.js';
import { ConfigError, UsageError } from '../../core/errors.js';
import { versioned } from '../../core/output.js';
import type { MigrationPlan } from '../../migrate/plan-types.js';

interface PlanFlags {
  config: string;
  env?: string;
  json?: boolean;
  markdown?: boolean;
  offline?: boolean;
}

export const registerMigrate: CommandModule = (program: Command, ctx: CliContext) => {
  const migrate = program.command('migrate').description('shard-aware schema migrations written against logical tables');

  migrate
    .command('plan')
    .description('show what would run where: node -> database -> statements, with lint findings (exit 1 on lint errors)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'environment from migrate.environments')
    .option('--json', 'print the plan as JSON')
    .option('--markdown', 'print the plan as a pull-request comment')
    .option('--offline', 'do not read the history tables; plan every migration')
    .action(async (opts: PlanFlags) => {
      if (opts.json && opts.markdown) throw new UsageError('use either --json or --markdown');
      // Loaded on use: `shardship --help` registers every command (node-sql-parser, zod schemas).
      const [{ loadConfig }, { renderPlanMarkdown }, { renderPlanText }, { openMigrateSession }] = await Promise.all([
        import('../../config/load.js'),
        import('../../migrate/markdown.js'),
        import('../../migrate/plan-text.js'),
        import('../../session/migrate.js'),
      ]);
      const loaded = await loadConfig(ctx.cwd, opts.config);
      const session = openMigrateSession({ cwd: ctx.cwd, config: loaded.config, ...(loaded.source ? { source: loaded.source } : {}), environment: opts.env, env: ctx.env });
      // Only what is still pending, once the histories can be read.
      const plan: MigrationPlan = await session.plan(opts.offline ? undefined : await session.appliedVersions());
      if (opts.json) ctx.output.json(versioned(plan));
      else if (opts.markdown) ctx.output.out(renderPlanMarkdown(plan));
      else for (const line of renderPlanText(plan, ctx.output.paint)) ctx.output.out(line);
      if (plan.findings.some((f) => f.severity === 'error')) ctx.exitCode = 1;
    });

  migrate
    .command('lint')
    .description('run the SQL lint rules on every migration file (exit 1 on errors)')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--env <name>', 'use this environment\'s topology (default: all of them)')
    .option('--json', 'print findings as JSON')
    .action(async (opts: { config: string; env?: string; json?: boolean }) => {
      const [{ loadConfig }, { lintMigrations, lintTopologyFrom }, { readMigrations }, { resolveTopology }, { sqlLintRules }] = await Promise.all([
        import('../../config/load.js'),
        import('../../migrate/lint.js'),
        import('../../migrate/migration-files.js'),
        import('../../migrate/topology.js'),
        import('../../../rules/sql/index.js'),
      ]);
      const loaded: LoadedConfig = await loadConfig(ctx.cwd, opts.config, { optional: true });
      const config: MigrateConfig | undefined = loaded.config.migrate;
      if (opts.env && config) resolveTopology(config, opts.env, loaded.source);
      const dir = resolve(ctx.cwd, config?.directory ?? 'migrations');
      const files = await readMigrations(dir, { cwd: ctx.cwd });
      const topology = lintTopologyFrom(config, opts.env);
      const findings = lintMigrations(files, { rules: sqlLintRules, settings: config?.rules ?? {}, ...(topology ? { topology } : {}) });
      if (opts.json) ctx.output.json(versioned({ files: files.length, findings }));
      else {
        for (const f of findings) {
          const sev = f.severity === 'error' ? ctx.output.paint.red('error') : ctx.output.paint.yellow('warn');
          ctx.output.out(`${f.file}:${f.line} ${sev} ${f.ruleId} ${f.message}`);
        }
        const errors = findings.filter((f) => f.severity === 'error').length;
        ctx.output.out(`${files.length} migration(s), ${errors} error(s), ${findings.length - errors} warning(s)`);
      }
      if (findings.some((f) => f.severity === 'error')) ctx.exitCode = 1;
    });

  migrate
    .command('import-shardingsphere')
    .description('convert a ShardingSphere-JDBC/Proxy YAML into shardship topology YAML (printed)')
    .argument('<file>', 'ShardingSphere config, e.g. config-sharding.yaml')
    .option('--env <name>', 'environment name to write', 'production')
    .option('--json', 'print the topology as JSON')
    .action(async (file: string, opts: { env: string; json?: boolean }) => {
      let text: string;
      try {
        text = await readFile(resolve(ctx.cwd, file), 'utf8');
      } catch (e) {
        throw new ConfigError([{ path: '', message: `cannot read ${file}: ${(e as Error).message}` }], { cause: e });
      }
      const { importShardingSphere, renderImportYaml } = await import('../../migrate/shardingsphere.js');
      const result = importShardingSphere(file, text, { environment: opts.env });
      if (opts.json) ctx.output.json(versioned(result));
      else ctx.output.out(renderImportYaml(result, file).trimEnd());
    });
};
