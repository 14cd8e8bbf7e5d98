// What commit and event is being built: read from git (and the CI's GITHUB_* variables
// when present). The event-to-source decision is pure (`sourceFromRefs`) and unit tested.
import { UsageError } from '../core/errors.js';
import type { SourceInfo } from './types.js';

/** What the build stage reads from the checkout: the git adapter (pipeline/git, GitRepo) implements it. */
export interface SourceRepo {
  readonly dir: string;
  /** Full sha of a commit, or undefined when the rev does not name one. */
  resolveCommit(rev: string): Promise<string | undefined>;
  /** Committer time, seconds since the epoch. */
  commitTime(sha: string): Promise<number>;
  tagsAt(sha: string): Promise<string[]>;
  /** The branch HEAD is on, undefined when detached. */
  currentBranch(): Promise<string | undefined>;
  remoteUrl(name: string): Promise<string | undefined>;
}

/** A remote URL as a web URL without credentials: git@host:o/r.git -> https://host/o/r. */
export function webUrlOfRemote(remote: string): string | undefined {
  const r = remote.trim();
  if (!r) return undefined;
  const scp = /^[^@/:\s]+@([^:/\s]+):(.+?)(?:\.git)?\/?$/.exec(r);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  try {
    const u = new URL(r);
    if (!['http:', 'https:', 'ssh:', 'git:'].includes(u.protocol)) return undefined;
    const path = u.pathname.replace(/\.git\/?$/, '').replace(/\/$/, '');
    return `https://${u.hostname}${u.port && u.protocol !== 'ssh:' ? `:${u.port}` : ''}${path}`;
  } catch {
    return undefined;
  }
}

export interface RefFacts {
  /** GITHUB_REF style ref, if the CI gave one. */
  ref?: string;
  /** The branch HEAD is on locally (git symbolic-ref), if any. */
  localBranch?: string;
  /** Explicit overrides from flags. */
  branch?: string;
  pr?: number;
}

/** Which branch / PR this build is for: flags first, then the CI's ref, then the checkout. */
export function sourceFromRefs(f: RefFacts): { branch?: string; pr?: number; ref?: string } {
  if (f.pr !== undefined) return { pr: f.pr, ref: `refs/pull/${f.pr}/merge` };
  if (f.branch) return { branch: f.branch, ref: `refs/heads/${f.branch}` };
  const ref = f.ref;
  if (ref) {
    const pull = /^refs\/pull\/(\d+)\/(merge|head)$/.exec(ref);
    if (pull) return { pr: Number(pull[1]), ref };
    if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length), ref };
    if (ref.startsWith('refs/tags/')) return { ref };
  }
  if (f.localBranch) return { branch: f.localBranch, ref: `refs/heads/${f.localBranch}` };
  return {};
}

export async function readSource(repo: SourceRepo, env: NodeJS.ProcessEnv, overrides: { branch?: string; pr?: number } = {}): Promise<SourceInfo> {
  const sha = await repo.resolveCommit('HEAD').catch((e: unknown) => {
    if (e instanceof UsageError) return undefined; // not a repository at all: same answer
    throw e;
  });
  if (!sha) {
    throw new UsageError(`${repo.dir} is not a git checkout with a commit`, { hint: 'run shardship build inside the repository, after the first commit' });
  }
  const [commitTime, gitTags, localBranch, remote] = await Promise.all([repo.commitTime(sha), repo.tagsAt(sha), repo.currentBranch(), repo.remoteUrl('origin')]);
  const refs = sourceFromRefs({
    ...(env.GITHUB_REF ? { ref: env.GITHUB_REF } : {}),
    ...(localBranch ? { localBranch } : {}),
    ...overrides,
  });
  const sourceUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL.replace(/\/$/, '')}/${env.GITHUB_REPOSITORY}` : remote && webUrlOfRemote(remote);
  return {
    sha,
    commitTime,
    gitTags,
    ...refs,
    ...(sourceUrl ? { sourceUrl } : {}),
  };
}
