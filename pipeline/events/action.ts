// The harness every action shares: read the runner's context and the common inputs (token,
// config, working-directory), mask secrets, build the adapters, run one plan, set outputs and
// fail the step on a failed check. Each actions/<step>/index.ts only says which plan.
import { resolve } from 'node:path';
import { durationMs } from '../config/common.js';
import { loadConfig } from '../config/load.js';
import type { ShardshipConfig } from '../config/schema.js';
import { ExitCode, isShardshipError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { GitHubApi } from './github-api.js';
import { readActionContext, type ActionContext } from '../github/context.js';
import { createGitHubApi } from '../github/octokit.js';
import { actionsRunner, type Runner } from '../github/runner.js';
import { executePlan, runPipeline, type PipelineOutcome } from './run.js';
import type { PipelinePlan, StageName } from './plan.js';
import type { PipelineStages, WireOptions } from './stages.js';

export interface ActionSetup {
  runner: Runner;
  context: ActionContext;
  config: ShardshipConfig;
  github?: GitHubApi;
  stages: PipelineStages;
  repoDir: string;
}

export type StageWiring = (w: WireOptions) => PipelineStages;

export async function setupAction(runner: Runner, wiring: StageWiring, env: NodeJS.ProcessEnv = process.env): Promise<ActionSetup> {
  const token = runner.input('token');
  if (token) runner.setSecret(token);
  const context = await readActionContext(env);
  const repoDir = resolve(context.workspace, runner.input('working-directory') || '.');
  const { config, source } = await loadConfig(repoDir, runner.input('config') || 'shardship.yaml', { optional: true });
  maskConfiguredSecrets(config, env, runner);
  const github = token ? createGitHubApi({
        token,
        repository: context.repository,
        baseUrl: context.apiUrl,
        onLimit: (m) => runner.info(m),
        timeoutMs: durationMs(config.timeouts.github),
      }) : undefined;
  if (!github) runner.warning('no token input: results go to the job summary and the log only (no check runs, comments or deployments)');
  return { runner, context, config, github, stages: wiring({ repoDir, config, ...(source ? { source } : {}), env, input: (name) => runner.input(name) }), repoDir };
}

/** DSNs and registry passwords named in shardship.yaml are masked before anything runs. */
function maskConfiguredSecrets(config: ShardshipConfig, env: NodeJS.ProcessEnv, runner: Runner): void {
  const names = [
    ...Object.values(config.migrate?.environments ?? {}).flatMap((e) => Object.values(e.nodes).map((n) => n.dsnEnv)),
    config.build?.auth?.passwordEnv,
  ];
  for (const name of names) {
    const value = name ? env[name] : undefined;
    if (!value) continue;
    runner.setSecret(value);
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]+:([^@]+)@/i.exec(value)?.[1];
    if (password) runner.setSecret(decodeURIComponent(password));
  }
}

export type PlanChoice = { only?: StageName[] } | { plan: (s: ActionSetup) => PipelinePlan };

/** Run one action: the event's plan (optionally `only` some stages), or a `plan` built from the inputs. */
export async function runAction(choice: PlanChoice, wiring: StageWiring, runner: Runner = actionsRunner()): Promise<PipelineOutcome | undefined> {
  try {
    const s = await setupAction(runner, wiring);
    const base = { config: s.config, adapters: { github: s.github, runner, stages: s.stages }, runUrl: s.context.runUrl };
    const outcome =
      'plan' in choice
        ? await executePlan(choice.plan(s), base)
        : await runPipeline({ ...base, event: s.context.eventName, payload: s.context.payload, ...(choice.only ? { only: choice.only } : {}) });
    // Paused awaiting promotion is a normal stop: the output says so, the step passes.
    if (outcome.exitCode !== ExitCode.Ok && outcome.exitCode !== ExitCode.Paused) {
      runner.fail(`shardship: ${outcome.report.notes?.filter((n) => /failed|refus/.test(n)).join('; ') || 'a check failed'} (exit ${outcome.exitCode})`);
    }
    return outcome;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    runner.fail(redact(isShardshipError(e) && e.hint ? `${msg} (${e.hint})` : msg));
    return undefined;
  }
}
