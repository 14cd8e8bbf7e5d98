// What a GitHub Actions runner tells a step through its environment: the event and its
// payload file, the repository, the commit, the API URL (GHES sets its own).
import { readFile } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';

export interface ActionContext {
  eventName: string;
  payload: unknown;
  repository: string;
  sha?: string;
  ref?: string;
  apiUrl: string;
  /** Link to the workflow run, for check runs and deployment statuses. */
  runUrl?: string;
  workspace: string;
}

export async function readActionContext(env: NodeJS.ProcessEnv = process.env): Promise<ActionContext> {
  const eventName = env.GITHUB_EVENT_NAME;
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventName || !eventPath) {
    throw new UsageError('GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: this is not a GitHub Actions step', {
      hint: 'outside Actions use `shardship run --event NAME --payload FILE`',
    });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(eventPath, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the event payload ${eventPath}: ${(e as Error).message}`, { cause: e });
  }
  const repository = env.GITHUB_REPOSITORY ?? (payload as { repository?: { full_name?: string } }).repository?.full_name;
  if (!repository) throw new UsageError('GITHUB_REPOSITORY is not set and the payload names no repository');
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    eventName,
    payload,
    repository,
    sha: env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    runUrl: env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
  };
}
