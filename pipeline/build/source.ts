// What commit and event is being built: read from git (and the CI's GITHUB_* variables
// when present). The event-to-source decision is pure (`sourceFromRefs`) and unit tested.
import { execFile } from 'node:child_process';
import { UsageError } from '../core/errors.js';
import type { SourceInfo } from './types.js';

function git(repoDir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: repoDir, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err as Error, { stderr }));
      else resolve(stdout.trim());
    });
  });
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

export async function readSource(repoDir: string, env: NodeJS.ProcessEnv, overrides: { branch?: string; pr?: number } = {}): Promise<SourceInfo> {
  let sha: string;
  try {
    sha = await git(repoDir, ['rev-parse', '--verify', 'HEAD^{commit}']);
  } catch (e) {
    throw new UsageError(`${repoDir} is not a git checkout with a commit`, { hint: 'run shardship build inside the repository, after the first commit', cause: e });
  }
  const [time, tags, localBranch, remote] = await Promise.all([
    git(repoDir, ['log', '-1', '--format=%ct', sha]),
    git(repoDir, ['tag', '--points-at', sha]).catch(() => ''),
    git(repoDir, ['symbolic-ref', '--short', '-q', 'HEAD']).catch(() => ''),
    git(repoDir, ['remote', 'get-url', 'origin']).catch(() => ''),
  ]);
  const refs = sourceFromRefs({
    ...(env.GITHUB_REF ? { ref: env.GITHUB_REF } : {}),
    ...(localBranch ? { localBranch } : {}),
    ...overrides,
  });
  const sourceUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL.replace(/\/$/, '')}/${env.GITHUB_REPOSITORY}` : webUrlOfRemote(remote);
  return {
    sha,
    commitTime: Number(time),
    gitTags: tags ? tags.split('\n').filter(Boolean) : [],
    ...refs,
    ...(sourceUrl ? { sourceUrl } : {}),
  };
}
