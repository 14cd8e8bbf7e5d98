// The webhook payload fields the pipeline reads, one zod schema per event. Unknown fields are
// ignored; a payload missing what we need is a usage error naming the field.
import { z } from 'zod';
import { UsageError } from '../core/errors.js';

const Sha = z.string().regex(/^[0-9a-f]{40}$/, { message: 'must be a 40-hex commit sha' });
const User = z.object({ login: z.string(), type: z.string().optional() });
const Repository = z.object({ full_name: z.string(), default_branch: z.string().optional() });

export const PushPayload = z.object({
  ref: z.string(),
  before: Sha,
  after: Sha,
  deleted: z.boolean().optional(),
  repository: Repository,
});
export type PushPayload = z.infer<typeof PushPayload>;

export const PullRequestPayload = z.object({
  action: z.string(),
  number: z.number().int(),
  pull_request: z.object({
    title: z.string(),
    head: z.object({ sha: Sha, ref: z.string() }),
    base: z.object({ sha: Sha, ref: z.string() }),
  }),
  repository: Repository,
});
export type PullRequestPayload = z.infer<typeof PullRequestPayload>;

export const IssueCommentPayload = z.object({
  action: z.string(),
  issue: z.object({ number: z.number().int(), pull_request: z.unknown().optional() }),
  comment: z.object({ id: z.number().int(), body: z.string().nullable().transform((b) => b ?? ''), user: User }),
  repository: Repository,
});
export type IssueCommentPayload = z.infer<typeof IssueCommentPayload>;

export const WorkflowDispatchPayload = z.object({
  ref: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).nullable().optional(),
  repository: Repository,
});
export type WorkflowDispatchPayload = z.infer<typeof WorkflowDispatchPayload>;

export function parsePayload<T>(event: string, schema: z.ZodType<T>, payload: unknown): T {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new UsageError(`the ${event} event payload is not what shardship expects: ${issues}`, {
    hint: 'run shardship from a workflow triggered by that event, or pass a payload file from GitHub',
  });
}
