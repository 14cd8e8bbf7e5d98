// Merge commits are rejected when the branch policy wants linear history (gate.commit.merges: reject).
import { isString, option } from '../../pipeline/gate/changes.js';
import type { GateRule } from '../../pipeline/gate/types.js';

const POLICIES = ['allow', 'skip', 'reject'] as const;

export const commitMergePolicy: GateRule = {
  id: 'commit/merge-policy',
  group: 'commit',
  defaultSeverity: 'error',
  description: 'Rejects merge commits when gate.commit.merges is "reject" (linear history); "skip" and "allow" let them through.',
  check({ subject, gate, options }) {
    const policy = option('commit/merge-policy', options, 'merges', gate.commit.merges, (v): v is (typeof POLICIES)[number] => isString(v) && (POLICIES as readonly string[]).includes(v), 'one of allow, skip, reject');
    if (policy !== 'reject') return [];
    return subject.commits
      .filter((c) => c.commit.isMerge)
      .map((c) => ({
        ruleId: 'commit/merge-policy',
        commit: c.commit.sha,
        message: `merge commit ${c.commit.sha.slice(0, 12)} "${c.commit.message.split('\n')[0] ?? ''}": merge commits are not allowed here`,
        hint: 'rebase onto the target branch instead of merging it: `git pull --rebase` or `git rebase origin/main`',
      }));
  },
};
