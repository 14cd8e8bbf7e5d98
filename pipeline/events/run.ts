// The event-driven pipeline: plan the stages for an event (plan.ts), run them through the
// stage port, and report to GitHub: a check run per stage, a commit status, deployments, one
// sticky PR comment, replies to slash commands, the job summary and step outputs. A refusal
// from GitHub (403) is reported with the missing permission and the run falls back to
// annotations and the job summary; it is never swallowed.
import { CheckFailedError, ExitCode, isShardshipError, ServiceError } from '../core/errors.js';
import type { ShardshipConfig } from '../config/schema.js';
import type { Annotation, Deployment, GitHubApi } from './github-api.js';
import { packLines, publishCheckRun, type CheckReport } from '../github/checks.js';
import { GitHubNotFoundError } from '../github/errors.js';
import type { Runner } from '../github/runner.js';
import { upsertStickyComment } from '../github/sticky.js';
import { buildSummaryLines, gateSummaryLines, migrationMatrixLines, pipelineSummary, releaseSummaryLines, cell } from '../report/markdown.js';
import type { GateReport, MigrationStageReport, PipelineReport, ReleaseStageReport } from '../report/types.js';
import { planEvent, type PipelinePlan, type PlannedStep, type StageName } from './plan.js';
import { mayRunCommands } from './slash-command.js';
import { FAILED_RELEASE_STATES, PAUSED_RELEASE_STATES, type PipelineStages } from './stages.js';

export interface PipelineAdapters {
  /** Absent when there is no token: reports go to the job summary and log only. */
  github?: GitHubApi;
  runner: Runner;
  stages: PipelineStages;
}

export interface PipelineOutcome {
  plan: PipelinePlan;
  report: PipelineReport;
  outputs: Record<string, string>;
  exitCode: number;
}

export interface RunPipelineOptions {
  event: string;
  payload: unknown;
  config: ShardshipConfig;
  adapters: PipelineAdapters;
  /** Link for check runs and deployment statuses (the workflow run). */
  runUrl?: string;
  /** Run only these stages of the event's plan (the single-stage actions). */
  only?: StageName[];
}

export async function runPipeline(opts: RunPipelineOptions): Promise<PipelineOutcome> {
  const plan = planEvent(opts.event, opts.payload, opts.config);
  if (opts.only) {
    const kept = plan.steps.filter((s) => opts.only!.includes(s.stage));
    if (kept.length < plan.steps.length) plan.notes.push(`this step runs only: ${opts.only.join(', ')}`);
    plan.steps = kept;
  }
  return executePlan(plan, opts);
}

export async function executePlan(plan: PipelinePlan, opts: Omit<RunPipelineOptions, 'event' | 'payload'>): Promise<PipelineOutcome> {
  const { github, runner, stages } = opts.adapters;
  const report: PipelineReport = { title: `shardship: ${plan.event} on ${plan.repository}`, notes: [...plan.notes] };
  const outputs: Record<string, string> = {};
  let exitCode: number = ExitCode.Ok;
  const fail = (code: number) => (exitCode = Math.max(exitCode, code));
  let stopped = false;

  /** A GitHub reporting call: on refusal say why and carry on with the fallback. */
  const toGitHub = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    if (!github) return undefined;
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e;
      const msg = `could not ${what}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
      runner.warning(msg);
      report.notes!.push(msg);
      return undefined;
    }
  };

  const check = async (c: CheckReport) => {
    if (!github) {
      for (const a of c.annotations) runner.annotate(a.level === 'failure' ? 'error' : a.level, a.message, { file: a.path, line: a.startLine, endLine: a.endLine, title: a.title });
      return;
    }
    const r = await toGitHub(`publish the ${c.name} check run`, () => publishCheckRun(github, runner, c));
    if (r?.kind === 'annotations-fallback') report.notes!.push(r.message);
  };

  for (const step of plan.steps) {
    if (stopped) {
      report.notes!.push(`${step.stage} skipped: an earlier stage failed`);
      continue;
    }
    try {
      const ok = await runStep(step);
      if (!ok && plan.event === 'push') stopped = true;
    } catch (e) {
      const code = isShardshipError(e) ? e.exitCode : ExitCode.CheckFailed;
      fail(code);
      const msg = `${step.stage} failed: ${e instanceof Error ? e.message : String(e)}`;
      runner.annotate('error', msg, { title: `shardship ${step.stage}` });
      report.notes!.push(msg);
      if (plan.sha && step.stage !== 'command' && step.stage !== 'promote') {
        await check({ name: `shardship/${step.stage}`, headSha: plan.sha, title: `${step.stage} failed`, summaryLines: [cell(msg)], conclusion: 'failure', annotations: [], detailsUrl: opts.runUrl });
      }
      if (plan.event === 'push') stopped = true;
    }
  }

  async function runStep(step: PlannedStep): Promise<boolean> {
    switch (step.stage) {
      case 'gate': {
        if (!stages.gate) return notWired('gate');
        const g = await stages.gate(step);
        report.gate = g;
        outputs['gate-result'] = g.passed ? 'passed' : 'failed';
        outputs['gate-findings'] = String(g.findings.length);
        await check(gateCheck(plan.sha!, g, opts.runUrl));
        if (!g.passed) fail(ExitCode.CheckFailed);
        return g.passed;
      }
      case 'build': {
        if (!stages.build) return notWired('build');
        const b = await stages.build(step);
        report.build = b;
        Object.assign(outputs, { image: b.image, digest: b.digest ?? '', tags: b.tags.join(',') });
        await check({ name: 'shardship/build', headSha: step.sha, title: b.pushed ? `pushed ${b.image}` : `built ${b.image}`, summaryLines: buildSummaryLines(b), conclusion: 'success', annotations: [], detailsUrl: opts.runUrl });
        return true;
      }
      case 'migrate': {
        if (!stages.migrate) return notWired('migrate');
        const m = await stages.migrate(step);
        (report.migrations ??= []).push(m);
        outputs['migration-summary'] = migrationSummary(m);
        const failed = (m.results ?? []).some((r) => r.status === 'failed') || m.plan.findings.some((f) => f.severity === 'error');
        await check({
          name: 'shardship/migrate',
          headSha: plan.sha!,
          title: outputs['migration-summary'],
          summaryLines: migrationMatrixLines(m),
          conclusion: failed ? 'failure' : 'success',
          annotations: m.plan.findings.map((f) => ({ path: f.file, startLine: f.line, endLine: f.line, level: f.severity === 'error' ? 'failure' : 'warning', message: f.message, title: f.ruleId })),
          detailsUrl: opts.runUrl,
        });
        if (failed) fail(ExitCode.CheckFailed);
        return !failed;
      }
      case 'release':
        return releaseTo(step.environment, step.sha, { image: step.image ?? report.build?.image, digest: step.digest ?? report.build?.digest }, step.app);
      case 'promote':
        return promote(step);
      case 'invalid-command':
        await reply(step.issueNumber, step.commentId, `@${step.commenter} I did not understand that: ${cell(step.reason)}`, 'confused');
        return true;
      case 'command': {
        const perm = github ? await commenterPermission(github, step.commenter) : undefined;
        if (!perm || !mayRunCommands(perm.roleName, perm.permission)) {
          const role = perm ? perm.roleName : 'unknown (no GitHub token to check with)';
          runner.warning(`refused /shardship ${step.command.action} from ${step.commenter}: role ${role}`);
          await reply(step.issueNumber, step.commentId, `@${step.commenter} refused: \`/shardship ${step.command.action}\` needs write, maintain or admin permission on this repository (you have: ${cell(role)}). Nothing was done.`, 'confused');
          outputs['command-result'] = 'refused';
          fail(ExitCode.CheckFailed);
          return false;
        }
        if (!stages.control) return notWired('release control');
        try {
          const releases = await stages.control(step.command);
          (report.releases ??= []).push(...releases);
          outputs['release-state'] = releases.map((r) => `${r.app}=${r.state}`).join(',');
          outputs['command-result'] = 'done';
          await settleDeployments(releases);
          const body = [`@${step.commenter} \`/shardship ${step.command.action}${step.command.app ? ` ${step.command.app}` : ''}\`: done.`, ''];
          for (const r of releases) body.push(...releaseSummaryLines(r), '');
          await reply(step.issueNumber, step.commentId, body.join('\n'), '+1');
          return true;
        } catch (e) {
          outputs['command-result'] = 'failed';
          await reply(step.issueNumber, step.commentId, `@${step.commenter} \`/shardship ${step.command.action}\` failed: ${cell(e instanceof Error ? e.message : String(e))}`, 'confused');
          throw e;
        }
      }
    }
  }

  function notWired(stage: string): boolean {
    const msg = `${stage}: stage not available in this build of shardship; not run`;
    runner.warning(msg);
    report.notes!.push(msg);
    return true;
  }

  /**
   * A promote or abort that ends a release a push left paused: its deployment (still
   * in_progress) and the push's pending commit status get their final state.
   */
  async function settleDeployments(releases: ReleaseStageReport[]) {
    const ended = releases.filter((r) => r.state === 'promoted' || FAILED_RELEASE_STATES.has(r.state));
    if (!github || !ended.length) return;
    for (const environment of Object.keys(opts.config.environments)) {
      const deployments = (await toGitHub(`list the ${environment} deployments`, () => github.listDeployments({ environment }))) ?? [];
      // Newest first: an open deployment of a release is among the last few.
      for (const d of deployments.slice(0, 10)) {
        const r = ended.find((x) => releasedBy(d, x));
        if (!r) continue;
        const latest = (await toGitHub('read the deployment status', () => github.listDeploymentStatuses(d.id)))?.[0];
        if (latest?.state !== 'in_progress') continue;
        const state = r.state === 'promoted' ? 'success' : 'failure';
        const description = `${r.app}=${r.state}`;
        await toGitHub('set the deployment status', () => github.createDeploymentStatus(d.id, { state, description, logUrl: opts.runUrl }));
        if (typeof d.payload.event === 'string') {
          const context = `shardship/${d.payload.event}`;
          await toGitHub('set the commit status', () => github.createCommitStatus({ sha: d.sha, state, context, description: `shardship: ${description}`, targetUrl: opts.runUrl }));
        }
        report.notes!.push(`deployment ${d.id} to ${environment} (${d.sha.slice(0, 12)}): ${state}, ${description}`);
      }
    }
  }

  async function reply(issue: number, commentId: number, body: string, reaction: '+1' | 'confused') {
    if (!github) {
      runner.info(body);
      return;
    }
    await toGitHub('reply to the comment', () => github.createComment(issue, body));
    await toGitHub('react to the comment', () => github.addReaction(commentId, reaction));
  }

  async function releaseTo(environment: string, sha: string, image: { image?: string; digest?: string }, app?: string): Promise<boolean> {
    if (!stages.release) return notWired('release');
    // `event` names the commit status to settle when a slash command later ends this release.
    const payload = { image: image.image ?? '', digest: image.digest ?? '', event: plan.event, ...(app ? { app } : {}) };
    const dep = await toGitHub(`create a ${environment} deployment`, () =>
      github!.createDeployment({ ref: sha, environment, description: `shardship ${payload.digest || payload.image}`.trim(), payload }),
    );
    if (dep) await toGitHub('set the deployment status', () => github!.createDeploymentStatus(dep.id, { state: 'in_progress', logUrl: opts.runUrl }));
    let releases: ReleaseStageReport[];
    try {
      releases = await stages.release({ environment, sha, ...image, ...(app ? { app } : {}) });
    } catch (e) {
      if (dep) await toGitHub('set the deployment status', () => github!.createDeploymentStatus(dep.id, { state: 'failure', logUrl: opts.runUrl }));
      throw e;
    }
    (report.releases ??= []).push(...releases);
    outputs['release-state'] = releases.map((r) => `${r.app}=${r.state}`).join(',');
    const failed = releases.some((r) => FAILED_RELEASE_STATES.has(r.state));
    const paused = releases.some((r) => PAUSED_RELEASE_STATES.has(r.state));
    if (dep) {
      await toGitHub('set the deployment status', () =>
        github!.createDeploymentStatus(dep.id, { state: failed ? 'failure' : paused ? 'in_progress' : 'success', description: outputs['release-state'], logUrl: opts.runUrl }),
      );
    }
    await check({
      name: `shardship/release (${environment})`,
      headSha: sha,
      title: outputs['release-state'] || 'no apps',
      summaryLines: releases.flatMap((r) => [...releaseSummaryLines(r), '']),
      conclusion: failed ? 'failure' : paused ? 'neutral' : 'success',
      annotations: [],
      detailsUrl: opts.runUrl,
    });
    if (failed) fail(ExitCode.CheckFailed);
    else if (paused) fail(ExitCode.Paused);
    return !failed;
  }

  async function promote(step: Extract<PlannedStep, { stage: 'promote' }>): Promise<boolean> {
    if (!github) throw new CheckFailedError('promotion needs the GitHub API (deployments record what passed each environment)', { hint: 'pass a token with deployments: read/write' });
    const source = await lastSuccessfulDeployment(github, step.from, step.digest);
    if (!source) {
      throw new CheckFailedError(
        `refusing to promote to ${step.to}: ${step.from} has no successful deployment${step.digest ? ` of ${step.digest}` : ''}`,
        { hint: `deploy to ${step.from} first; only a digest that passed ${step.from} can go to ${step.to}` },
      );
    }
    const digest = typeof source.payload.digest === 'string' ? source.payload.digest : '';
    const image = typeof source.payload.image === 'string' ? source.payload.image : '';
    outputs.digest = digest;
    outputs.image = image;
    report.notes!.push(`promoting ${image || digest} from ${step.from} (deployment ${source.id}, ${source.sha.slice(0, 12)}) to ${step.to}`);
    return releaseTo(step.to, source.sha, { image, digest }, step.app);
  }

  if (github && plan.pullRequest !== undefined && (report.migrations?.length || report.gate || report.build)) {
    const body = pipelineSummary({ ...report, title: 'shardship plan', releases: undefined, notes: undefined });
    const sticky = await toGitHub('update the plan comment on the pull request', () => upsertStickyComment(github, plan.pullRequest!, 'plan', body));
    if (sticky) outputs['comment-id'] = String(sticky.id);
  }
  if (github && plan.sha && plan.steps.length) {
    const state = exitCode === ExitCode.Ok ? 'success' : exitCode === ExitCode.Paused ? 'pending' : 'failure';
    await toGitHub('set the commit status', () =>
      github.createCommitStatus({ sha: plan.sha!, state, context: `shardship/${plan.event}`, description: `shardship ${plan.event}: ${state}`, targetUrl: opts.runUrl }),
    );
  }
  outputs['exit-code'] = String(exitCode);
  // GitHub caps a step's job summary at 1 MiB.
  await runner.summary(packLines(pipelineSummary(report).split('\n'), 1_000_000, 'summary lines'));
  for (const [k, v] of Object.entries(outputs)) runner.setOutput(k, v);
  return { plan, report, outputs, exitCode };
}

export function gateCheck(sha: string, g: GateReport, detailsUrl?: string): CheckReport {
  const annotations: Annotation[] = g.findings
    .filter((f) => f.file && f.line)
    .map((f) => ({ path: f.file!, startLine: f.line!, endLine: f.line!, level: f.severity === 'error' ? 'failure' : 'warning', message: f.hint ? `${f.message}\n${f.hint}` : f.message, title: f.ruleId }));
  return {
    name: 'shardship/gate',
    headSha: sha,
    title: g.passed ? `gate passed (${g.findings.length} finding(s))` : `gate failed: ${g.findings.filter((f) => f.severity === 'error').length} error(s)`,
    summaryLines: gateSummaryLines(g),
    conclusion: g.passed ? 'success' : 'failure',
    annotations,
    detailsUrl,
  };
}

export function migrationSummary(m: MigrationStageReport): string {
  const dbs = m.plan.databases.length;
  const n = m.plan.migrations.length;
  if (!m.results) return `${n} migration(s) planned on ${dbs} database(s) in ${m.environment}`;
  const count = (s: string) => m.results!.filter((r) => r.status === s).length;
  return `${n} migration(s) on ${dbs} database(s) in ${m.environment}: ${count('applied')} applied, ${count('skipped')} skipped, ${count('failed')} failed`;
}

async function commenterPermission(github: GitHubApi, user: string): Promise<{ roleName: string; permission: string } | undefined> {
  try {
    return await github.getCollaboratorPermission(user);
  } catch (e) {
    // Not a collaborator at all: GitHub answers 404.
    if (e instanceof GitHubNotFoundError) return { roleName: 'none', permission: 'none' };
    throw e;
  }
}

/** Whether deployment `d` recorded the image release `r` now runs (by digest when it has one). */
export function releasedBy(d: Deployment, r: ReleaseStageReport): boolean {
  if (typeof d.payload.app === 'string' && d.payload.app !== r.app) return false;
  const digest = typeof d.payload.digest === 'string' ? d.payload.digest : '';
  const image = typeof d.payload.image === 'string' ? d.payload.image : '';
  if (!r.image) return false;
  return digest ? r.image.endsWith(`@${digest}`) : image !== '' && r.image === image;
}

/** The newest deployment to `environment` whose latest status is success (and has `digest`, if given). */
export async function lastSuccessfulDeployment(github: GitHubApi, environment: string, digest?: string) {
  const deployments = await github.listDeployments({ environment });
  for (const d of deployments) {
    if (digest && d.payload.digest !== digest) continue;
    if (!d.payload.digest && !d.payload.image) continue;
    const statuses = await github.listDeploymentStatuses(d.id);
    if (statuses[0]?.state === 'success') return d;
  }
  return undefined;
}
