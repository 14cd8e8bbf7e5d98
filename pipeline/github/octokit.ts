// The octokit adapter: the only file that imports @octokit/*. Retries transient failures,
// respects GitHub's rate limits, and translates every failure once (errors.ts).
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { TimedOutError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { GitHubApi, Annotation, CheckRunOutput, DeploymentState } from '../events/github-api.js';
import { translateGitHubError } from './errors.js';

const ShardshipOctokit = Octokit.plugin(retry, throttling);

export interface OctokitOptions {
  token: string;
  /** owner/name */
  repository: string;
  /** GITHUB_API_URL; https://api.github.com when unset (GHES sets its own). */
  baseUrl?: string;
  /** Rate-limit waits and octokit's own warnings; the default logs nothing. */
  onLimit?: (message: string) => void;
  /** Each request's limit (timeouts.github); octokit itself has none. */
  timeoutMs?: number;
}

/** Default timeouts.github. */
export const GITHUB_TIMEOUT_MS = 30_000;

/** Marks a request that got no answer in time, so `call` reports a timeout and not a failure. */
const TIMED_OUT = Symbol('timed out');

/**
 * fetch with a per-request deadline. The failure is named AbortError on purpose: octokit
 * rethrows that as it is, which keeps plugin-retry from trying a stalled server again and again.
 */
function fetchWithin(ms: number): typeof fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await fetch(input, { ...init, signal });
    } catch (e) {
      if (!deadline.aborted) throw e;
      throw Object.assign(new Error(`no answer within ${ms / 1000}s`), { name: 'AbortError', [TIMED_OUT]: true, cause: e });
    }
  };
}

export function createGitHubApi(opts: OctokitOptions): GitHubApi {
  registerSecret(opts.token);
  const [owner, repo] = opts.repository.split('/');
  if (!owner || !repo) throw new Error(`repository must be owner/name, got ${opts.repository}`);
  const timeoutMs = opts.timeoutMs ?? GITHUB_TIMEOUT_MS;
  const octokit = new ShardshipOctokit({
    auth: opts.token,
    request: { fetch: fetchWithin(timeoutMs) },
    baseUrl: opts.baseUrl || 'https://api.github.com',
    userAgent: 'shardship',
    // Failures are translated and reported by the caller; octokit's own lines would only repeat them.
    log: { debug: () => undefined, info: () => undefined, warn: (m: string) => opts.onLimit?.(m), error: () => undefined },
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
    throttle: {
      onRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
        opts.onLimit?.(`rate limit on ${options.method} ${options.url}, retrying in ${retryAfter}s`);
        return retryCount < 2;
      },
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
        opts.onLimit?.(`secondary rate limit on ${options.method} ${options.url}, retrying in ${retryAfter}s`);
        return retryCount < 2;
      },
    },
  });
  const r = { owner, repo };

  /** Run one call; translate its failure naming the permission the operation needs. */
  async function call<T>(operation: string, permission: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if ((e as { [TIMED_OUT]?: boolean })[TIMED_OUT]) {
        throw new TimedOutError(`GitHub API: ${operation} got no answer within ${timeoutMs / 1000}s`, {
          hint: 'GitHub (or GITHUB_API_URL) is not answering; try again later, or raise timeouts.github in shardship.yaml',
          cause: e,
        });
      }
      const status = (e as { status?: number }).status;
      const data = (e as { response?: { data?: { message?: string; errors?: unknown } } }).response?.data;
      const detail = [data?.message ?? (e as Error).message, data?.errors ? JSON.stringify(data.errors) : ''].filter(Boolean).join(' ');
      throw translateGitHubError(status, operation, permission, detail, e);
    }
  }

  const output = (o: CheckRunOutput | undefined) =>
    o && { title: o.title, summary: o.summary, text: o.text, annotations: o.annotations?.map(annotationJson) };

  return {
    owner,
    repo,
    createCheckRun: (input) =>
      call('POST check-runs', 'checks: write', async () => {
        const res = await octokit.rest.checks.create({
          ...r,
          name: input.name,
          head_sha: input.headSha,
          status: input.status,
          conclusion: input.conclusion,
          details_url: input.detailsUrl,
          output: output(input.output),
        });
        return { id: res.data.id };
      }),
    updateCheckRun: (id, input) =>
      call('PATCH check-runs', 'checks: write', async () => {
        await octokit.rest.checks.update({ ...r, check_run_id: id, status: input.status, conclusion: input.conclusion, output: output(input.output) });
      }),
    createCommitStatus: (input) =>
      call('POST statuses', 'statuses: write', async () => {
        await octokit.rest.repos.createCommitStatus({
          ...r,
          sha: input.sha,
          state: input.state,
          context: input.context,
          description: input.description?.slice(0, 140),
          target_url: input.targetUrl,
        });
      }),
    listIssueComments: (issueNumber) =>
      call('GET issue comments', 'issues: read', async () => {
        const list = await octokit.paginate(octokit.rest.issues.listComments, { ...r, issue_number: issueNumber, per_page: 100 });
        return list.map((c) => ({ id: c.id, body: c.body ?? '', author: c.user?.login ?? '', authorType: c.user?.type ?? '' }));
      }),
    createComment: (issueNumber, body) =>
      call('POST issue comment', 'pull-requests: write', async () => {
        const res = await octokit.rest.issues.createComment({ ...r, issue_number: issueNumber, body });
        return { id: res.data.id };
      }),
    updateComment: (commentId, body) =>
      call('PATCH issue comment', 'pull-requests: write', async () => {
        await octokit.rest.issues.updateComment({ ...r, comment_id: commentId, body });
      }),
    addReaction: (commentId, content) =>
      call('POST comment reaction', 'pull-requests: write', async () => {
        await octokit.rest.reactions.createForIssueComment({ ...r, comment_id: commentId, content });
      }),
    getCollaboratorPermission: (username) =>
      call('GET collaborator permission', 'metadata: read', async () => {
        const res = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...r, username });
        const data = res.data as { permission: string; role_name?: string };
        return { permission: data.permission, roleName: data.role_name ?? data.permission };
      }),
    createDeployment: (input) =>
      call('POST deployments', 'deployments: write', async () => {
        const res = await octokit.rest.repos.createDeployment({
          ...r,
          ref: input.ref,
          environment: input.environment,
          description: input.description,
          payload: input.payload as { [key: string]: unknown },
          auto_merge: false,
          // shardship's own gate decides; commit statuses must not block the deployment record.
          required_contexts: [],
        });
        if (!('id' in res.data)) throw new Error(`deployment not created: ${res.data.message ?? 'no id returned'}`);
        return { id: res.data.id };
      }),
    createDeploymentStatus: (deploymentId, input) =>
      call('POST deployment status', 'deployments: write', async () => {
        await octokit.rest.repos.createDeploymentStatus({
          ...r,
          deployment_id: deploymentId,
          state: input.state,
          description: input.description?.slice(0, 140),
          environment_url: input.environmentUrl,
          log_url: input.logUrl,
        });
      }),
    listDeployments: (query) =>
      call('GET deployments', 'deployments: read', async () => {
        const res = await octokit.rest.repos.listDeployments({ ...r, environment: query.environment, sha: query.sha, per_page: 100 });
        return res.data.map((d) => ({
          id: d.id,
          sha: d.sha,
          ref: d.ref,
          environment: d.environment,
          payload: typeof d.payload === 'object' && d.payload ? (d.payload as Record<string, unknown>) : {},
          createdAt: d.created_at,
        }));
      }),
    listDeploymentStatuses: (deploymentId) =>
      call('GET deployment statuses', 'deployments: read', async () => {
        const res = await octokit.rest.repos.listDeploymentStatuses({ ...r, deployment_id: deploymentId, per_page: 100 });
        return res.data.map((s) => ({ id: s.id, state: s.state as DeploymentState, description: s.description ?? undefined, createdAt: s.created_at }));
      }),
    listPullRequestCommits: (pullNumber) =>
      call('GET pull request commits', 'pull-requests: read', async () => {
        const list = await octokit.paginate(octokit.rest.pulls.listCommits, { ...r, pull_number: pullNumber, per_page: 100 });
        return list.map((c) => ({ sha: c.sha, message: c.commit.message }));
      }),
  };
}

function annotationJson(a: Annotation) {
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    annotation_level: a.level,
    message: a.message.slice(0, 64 * 1024),
    title: a.title,
  };
}
