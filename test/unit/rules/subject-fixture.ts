// In-memory gate subjects for rule tests: rules are data-in, findings-out.
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import type { ChangedFile, CommitChange, GateRule, GateSubject, RuleContext } from '../../../pipeline/gate/types.js';

export function file(path: string, lines: string[] = [], extra: Partial<ChangedFile> = {}): ChangedFile {
  return { path, status: 'added', binary: false, submodule: false, addedLines: lines.map((text, i) => ({ line: i + 1, text })), ...extra };
}

export function commit(sha: string, message: string, files: ChangedFile[] = [], parents = 1): CommitChange {
  return { commit: { sha, parents: Array.from({ length: parents }, (_, i) => `p${i}`), author: 'A <a@x>', message, isMerge: parents > 1 }, files };
}

export function subject(commits: CommitChange[], opts: { atBase?: string[]; extra?: string; repoDir?: string; staged?: ChangedFile[] } = {}): GateSubject {
  return {
    repoDir: opts.repoDir ?? '/nonexistent-shardship-repo',
    commits,
    net: opts.staged ?? [],
    base: 'base',
    head: opts.staged ? 'STAGED' : 'head',
    ...(opts.extra ? { extraMessages: [{ source: 'pull request title', message: opts.extra }] } : {}),
    readAtHead: () => Promise.resolve(undefined),
    listAtBase: (dir) => Promise.resolve((opts.atBase ?? []).filter((p) => p.startsWith(`${dir}/`))),
  };
}

export async function check(rule: GateRule, s: GateSubject, config: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  const cfg = ShardshipConfig.parse({ version: 1, ...config });
  const ctx: RuleContext = { subject: s, config: cfg, gate: cfg.gate, options, allLines: false };
  return rule.check(ctx);
}
