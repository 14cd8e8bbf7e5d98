// Which stages run for an event, as plain data. Pure: no I/O, asserted on by unit tests and
// printed by `shardship run --dry-run`.
import { UsageError } from '../core/errors.js';
import type { ShardshipConfig } from '../config/schema.js';
import { IssueCommentPayload, PullRequestPayload, PushPayload, WorkflowDispatchPayload, parsePayload } from './payloads.js';
import { parseSlashCommand, type SlashCommand } from './slash-command.js';

export type PlannedStep =
  | {
      stage: 'gate';
      base?: string;
      head: string;
      extraMessages: { source: string; message: string }[];
      /** A new branch (no base): gate the commits not on this branch, the repository's default. Absent too: from the root. */
      branchFrom?: string;
    }
  | { stage: 'build'; ref: string; sha: string; push: boolean }
  | { stage: 'migrate'; environment: string; apply: boolean }
  | { stage: 'release'; environment: string; sha: string; image?: string; digest?: string; app?: string }
  | { stage: 'command'; command: SlashCommand; commenter: string; issueNumber: number; commentId: number }
  | { stage: 'invalid-command'; reason: string; commenter: string; issueNumber: number; commentId: number }
  | { stage: 'promote'; from: string; to: string; app?: string; digest?: string };

export type StageName = PlannedStep['stage'];

export interface PipelinePlan {
  event: string;
  repository: string;
  /** The commit reported on (check runs, statuses); absent for comments. */
  sha?: string;
  /** PR number for the sticky plan comment. */
  pullRequest?: number;
  steps: PlannedStep[];
  /** Why nothing (more) runs, for people. */
  notes: string[];
}

const ZERO = /^0{40}$/;
const PR_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'edited', 'ready_for_review']);

/** The environment whose `branch` is this branch, from shardship.yaml `environments`. */
export function environmentForBranch(config: ShardshipConfig, branch: string): string | undefined {
  return Object.entries(config.environments).find(([, e]) => e.branch === branch)?.[0];
}

/** The environment listed just before `to`: where a promotion to `to` comes from. */
export function previousEnvironment(config: ShardshipConfig, to: string): string | undefined {
  const names = Object.keys(config.environments);
  const i = names.indexOf(to);
  return i > 0 ? names[i - 1] : undefined;
}

export function planEvent(event: string, payload: unknown, config: ShardshipConfig): PipelinePlan {
  switch (event) {
    case 'push':
      return planPush(parsePayload(event, PushPayload, payload), config);
    case 'pull_request':
      return planPullRequest(parsePayload(event, PullRequestPayload, payload), config);
    case 'issue_comment':
      return planComment(parsePayload(event, IssueCommentPayload, payload));
    case 'workflow_dispatch':
      return planDispatch(parsePayload(event, WorkflowDispatchPayload, payload), config);
    default:
      throw new UsageError(`shardship does not handle the "${event}" event`, { hint: 'use push, pull_request, issue_comment or workflow_dispatch' });
  }
}

function planPush(p: PushPayload, config: ShardshipConfig): PipelinePlan {
  const plan: PipelinePlan = { event: 'push', repository: p.repository.full_name, sha: p.after, steps: [], notes: [] };
  if (p.deleted || ZERO.test(p.after)) {
    plan.notes.push(`${p.ref} was deleted: nothing to do`);
    return plan;
  }
  if (p.ref.startsWith('refs/tags/')) {
    plan.steps.push({ stage: 'build', ref: p.ref, sha: p.after, push: true });
    plan.notes.push('tag push: build and push only');
    return plan;
  }
  const branch = p.ref.replace(/^refs\/heads\//, '');
  // A new branch has no `before`: gate every commit it has that the default branch does not, as
  // the pre-receive hook does; the default branch's own first push, from the root.
  const defaultBranch = p.repository.default_branch ?? 'main';
  if (ZERO.test(p.before)) plan.steps.push({ stage: 'gate', head: p.after, extraMessages: [], ...(branch !== defaultBranch ? { branchFrom: defaultBranch } : {}) });
  else plan.steps.push({ stage: 'gate', base: p.before, head: p.after, extraMessages: [] });
  plan.steps.push({ stage: 'build', ref: p.ref, sha: p.after, push: true });
  const env = environmentForBranch(config, branch);
  if (!env) {
    plan.notes.push(`branch ${branch} maps to no environment (shardship.yaml environments): no migrate or release`);
    return plan;
  }
  if (config.migrate?.environments[env]) plan.steps.push({ stage: 'migrate', environment: env, apply: true });
  else plan.notes.push(`migrate has no topology for ${env}: migrations skipped`);
  if (config.release && Object.keys(config.release.apps).length) plan.steps.push({ stage: 'release', environment: env, sha: p.after });
  else plan.notes.push('release has no apps: release skipped');
  return plan;
}

function planPullRequest(p: PullRequestPayload, config: ShardshipConfig): PipelinePlan {
  const pr = p.pull_request;
  const plan: PipelinePlan = { event: 'pull_request', repository: p.repository.full_name, sha: pr.head.sha, pullRequest: p.number, steps: [], notes: [] };
  if (!PR_ACTIONS.has(p.action)) {
    plan.notes.push(`pull_request.${p.action}: nothing to do`);
    return plan;
  }
  // The title becomes the squash-merge message: it is checked like a commit message.
  plan.steps.push({ stage: 'gate', base: pr.base.sha, head: pr.head.sha, extraMessages: [{ source: 'pull request title', message: pr.title }] });
  const topologies = Object.keys(config.migrate?.environments ?? {});
  const env = environmentForBranch(config, pr.base.ref) ?? topologies[0];
  if (env && config.migrate?.environments[env]) plan.steps.push({ stage: 'migrate', environment: env, apply: false });
  plan.steps.push({ stage: 'build', ref: `refs/pull/${p.number}/merge`, sha: pr.head.sha, push: false });
  return plan;
}

function planComment(p: IssueCommentPayload): PipelinePlan {
  const plan: PipelinePlan = { event: 'issue_comment', repository: p.repository.full_name, steps: [], notes: [] };
  // Edits are ignored on purpose: a command runs once, when it is posted.
  if (p.action !== 'created') {
    plan.notes.push(`issue_comment.${p.action}: only new comments are commands`);
    return plan;
  }
  if (p.comment.user.type === 'Bot') {
    plan.notes.push('comment by a bot: ignored');
    return plan;
  }
  const parsed = parseSlashCommand(p.comment.body);
  const who = { commenter: p.comment.user.login, issueNumber: p.issue.number, commentId: p.comment.id };
  if (parsed.kind === 'none') plan.notes.push('not a /shardship command');
  else if (parsed.kind === 'invalid') plan.steps.push({ stage: 'invalid-command', reason: parsed.reason, ...who });
  else plan.steps.push({ stage: 'command', command: parsed.command, ...who });
  return plan;
}

function planDispatch(p: WorkflowDispatchPayload, config: ShardshipConfig): PipelinePlan {
  const inputs = p.inputs ?? {};
  const str = (k: string): string | undefined => {
    const v = inputs[k];
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const to = str('to');
  if (!to) throw new UsageError('workflow_dispatch needs the input "to" (the environment to promote to)', { hint: 'add `inputs: { to: ... }` to the workflow_dispatch trigger' });
  if (!(to in config.environments)) throw new UsageError(`unknown environment "${to}"`, { hint: `one of: ${Object.keys(config.environments).join(', ') || '(none in shardship.yaml environments)'}` });
  const from = str('from') ?? previousEnvironment(config, to);
  if (!from) throw new UsageError(`no environment comes before "${to}" to promote from`, { hint: 'pass the input "from", or list environments in promotion order in shardship.yaml' });
  if (!(from in config.environments)) throw new UsageError(`unknown environment "${from}"`);
  const digest = str('digest');
  if (digest && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new UsageError('digest must look like sha256:<64 hex>');
  const app = str('app');
  return {
    event: 'workflow_dispatch',
    repository: p.repository.full_name,
    steps: [{ stage: 'promote', from, to, ...(app ? { app } : {}), ...(digest ? { digest } : {}) }],
    notes: [],
  };
}
