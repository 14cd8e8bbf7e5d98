// The part of a GitHub `pull_request` event payload (GITHUB_EVENT_PATH) the gate reads.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';

export const PullRequestEvent = z.object({
  number: z.number().optional(),
  pull_request: z.object({
    title: z.string(),
    base: z.object({ sha: z.string() }),
    head: z.object({ sha: z.string() }),
  }),
});

export interface PullRequestRange {
  number?: number;
  title: string;
  base: string;
  head: string;
}

export async function readPullRequestEvent(path: string): Promise<PullRequestRange> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the event payload ${path}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = PullRequestEvent.safeParse(data);
  if (!parsed.success) {
    throw new UsageError(`${path} is not a pull_request event payload (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`, {
      hint: 'use --pr in a pull_request workflow, or pass --base REV --head REV',
    });
  }
  const pr = parsed.data.pull_request;
  return { ...(parsed.data.number !== undefined ? { number: parsed.data.number } : {}), title: pr.title, base: pr.base.sha, head: pr.head.sha };
}
