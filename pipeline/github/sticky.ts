// One comment per PR and purpose, edited in place: found by a hidden marker on its first line.
import type { GitHubApi } from '../events/github-api.js';
import { packLines } from './checks.js';

/** GitHub's limit on a comment body. */
export const MAX_COMMENT = 65_536;

export function stickyMarker(key: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(key)) throw new Error(`sticky comment key must be [a-z0-9-], got ${key}`);
  return `<!-- shardship:${key} -->`;
}

export async function upsertStickyComment(
  api: GitHubApi,
  issueNumber: number,
  key: string,
  body: string,
): Promise<{ id: number; action: 'created' | 'updated' }> {
  const marker = stickyMarker(key);
  const text = packLines([marker, ...body.split('\n')], MAX_COMMENT, 'lines');
  // Only bot comments are ours to edit: anyone can paste the marker into their own comment.
  const existing = (await api.listIssueComments(issueNumber)).find((c) => c.authorType === 'Bot' && c.body.startsWith(marker));
  if (existing) {
    await api.updateComment(existing.id, text);
    return { id: existing.id, action: 'updated' };
  }
  const { id } = await api.createComment(issueNumber, text);
  return { id, action: 'created' };
}
