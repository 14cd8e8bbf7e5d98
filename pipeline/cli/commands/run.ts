// `shardship run --event NAME --payload FILE`: the event pipeline outside GitHub Actions (a
// self-hosted CI, a webhook receiver, or to replay an event). Reports go to the terminal, and
// to GitHub too when a token is given.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandModule } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { versioned } from '../../core/output.js';
import { registerSecret } from '../../core/redact.js';

interface RunFlags {
  event: string;
  payload: string;
  config: string;
  repository?: string;
  tokenEnv: string;
  apiUrl?: string;
  summary?: string;
  dryRun?: boolean;
  json?: boolean;
}

export const registerRun: CommandModule = (program, ctx) => {
  program
    .command('run')
    .description('run the pipeline for a GitHub event (push, pull_request, issue_comment, workflow_dispatch)')
    .requiredOption('--event <name>', 'event name, as GITHUB_EVENT_NAME')
    .requiredOption('--payload <file>', 'the event payload JSON, as GITHUB_EVENT_PATH')
    .option('-c, --config <file>', 'config file', 'shardship.yaml')
    .option('--repository <owner/name>', 'repository to report to (default: the payload\'s)')
    .option('--token-env <NAME>', 'env var holding a GitHub token; without one nothing is sent to GitHub', 'GITHUB_TOKEN')
    .option('--api-url <url>', 'GitHub API URL (default GITHUB_API_URL or https://api.github.com)')
    .option('--summary <file>', 'write the markdown summary to this file')
    .option('--dry-run', 'print the plan (which stages would run) and stop')
    .option('--json', 'print the plan or the outcome as JSON')
    .action(async (flags: RunFlags) => {
      let payload: unknown;
      try {
        payload = JSON.parse(await readFile(resolve(ctx.cwd, flags.payload), 'utf8'));
      } catch (e) {
        throw new UsageError(`cannot read the payload ${flags.payload}: ${(e as Error).message}`, { cause: e });
      }
      // Loaded on use: `shardship --help` registers every command (every stage's vendor clients).
      const [{ loadConfig }, { planEvent }] = await Promise.all([import('../../config/load.js'), import('../../events/plan.js')]);
      const { config, source } = await loadConfig(ctx.cwd, flags.config, { optional: true });
      const plan = planEvent(flags.event, payload, config);
      if (flags.dryRun) {
        if (flags.json) ctx.output.json(versioned(plan));
        else {
          ctx.output.out(`${plan.event} on ${plan.repository}:`);
          for (const s of plan.steps) ctx.output.out(`  ${s.stage} ${JSON.stringify({ ...s, stage: undefined })}`);
          for (const n of plan.notes) ctx.output.out(ctx.output.paint.dim(`  note: ${n}`));
        }
        return;
      }
      const [{ executePlan }, { gateStage }, { buildStage }, { migrateStage }, { releaseStage }, { createGitHubApi }, { outputRunner }, { durationMs }] = await Promise.all([
        import('../../events/run.js'),
        import('../../events/wire-gate.js'),
        import('../../events/wire-build.js'),
        import('../../events/wire-migrate.js'),
        import('../../events/wire-release.js'),
        import('../../github/octokit.js'),
        import('../../github/runner.js'),
        import('../../config/common.js'),
      ]);
      const token = ctx.env[flags.tokenEnv];
      registerSecret(token);
      const github = token
        ? createGitHubApi({
            token,
            repository: flags.repository ?? plan.repository,
            baseUrl: flags.apiUrl ?? ctx.env.GITHUB_API_URL,
            timeoutMs: durationMs(config.timeouts.github),
          })
        : undefined;
      const runner = outputRunner(ctx.output);
      const wire = { repoDir: ctx.cwd, config, ...(source ? { source } : {}), env: ctx.env, input: () => '', output: ctx.output };
      const stages = { ...gateStage(wire), ...buildStage(wire), ...migrateStage(wire), ...releaseStage(wire) };
      const outcome = await executePlan(plan, { config, adapters: { github, runner, stages } });
      if (flags.summary) await writeFile(resolve(ctx.cwd, flags.summary), runner.summaries.join('\n'));
      if (flags.json) ctx.output.json(versioned({ plan: outcome.plan, outputs: outcome.outputs, exitCode: outcome.exitCode, notes: outcome.report.notes }));
      else {
        for (const [k, v] of Object.entries(outcome.outputs)) ctx.output.out(`${k}: ${v}`);
        if (!flags.summary) ctx.output.out(runner.summaries.join('\n'));
      }
      ctx.exitCode = outcome.exitCode;
    });
};
