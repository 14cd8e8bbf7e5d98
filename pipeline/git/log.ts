// Commit metadata and messages for a whole range in ONE `git log` call (a 1,000-commit
// push costs one process, not a thousand), decoded without ever throwing on bad bytes.
import type { GitRepo } from './repo.js';

export interface RawCommit {
  sha: string;
  parents: string[];
  author: string;
  message: string;
}

/**
 * Decode message bytes. Git re-encodes messages that declare an `encoding` header to UTF-8
 * for us (`--encoding=UTF-8`); bytes that are not valid UTF-8 anyway (a latin1 message
 * committed without the header) fall back to `fallbackEncoding` or latin1, which always decodes.
 */
export function decodeMessage(bytes: Buffer, fallbackEncoding?: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    if (fallbackEncoding) {
      try {
        return new TextDecoder(fallbackEncoding).decode(bytes);
      } catch {
        // unknown label: fall through to latin1
      }
    }
    return bytes.toString('latin1');
  }
}

/** Split a buffer on NUL bytes without decoding it first. */
function splitNul(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    const i = buf.indexOf(0, start);
    if (i < 0) break;
    parts.push(buf.subarray(start, i));
    start = i + 1;
  }
  if (start < buf.length) parts.push(buf.subarray(start));
  return parts;
}

const FIELDS = 4;

/** Commits selected by rev-list arguments (already resolved shas), oldest first. */
export async function readCommits(repo: GitRepo, revArgs: string[]): Promise<RawCommit[]> {
  const fallback = await repo.configValue('i18n.commitEncoding');
  const parts = splitNul(await repo.logBytes(['-z', '--encoding=UTF-8', '--reverse', '--topo-order', '--format=%H%x00%P%x00%an <%ae>%x00%B', ...revArgs, '--']));
  const commits: RawCommit[] = [];
  // With -z each record is followed by a NUL, so a record is FIELDS parts.
  for (let i = 0; i + FIELDS <= parts.length; i += FIELDS) {
    const [sha, parents, author, body] = parts.slice(i, i + FIELDS) as [Buffer, Buffer, Buffer, Buffer];
    commits.push({
      sha: sha.toString('latin1').trim(),
      parents: parents.toString('latin1').split(' ').filter(Boolean),
      author: decodeMessage(author, fallback),
      message: decodeMessage(body, fallback),
    });
  }
  return commits;
}
