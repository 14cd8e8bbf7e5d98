// A Signed-off-by trailer (DCO) on every commit when gate.commit.signOff is true.
import { isBool, messagesToCheck, option } from '../../pipeline/gate/changes.js';
import type { GateRule } from '../../pipeline/gate/types.js';

const TRAILER = /^Signed-off-by: .+ <[^>]+>\s*$/m;

export const commitSignOff: GateRule = {
  id: 'commit/sign-off',
  group: 'commit',
  defaultSeverity: 'error',
  description: 'Every commit carries a "Signed-off-by: Name <email>" trailer when gate.commit.signOff is true.',
  check({ subject, gate, options }) {
    if (!option('commit/sign-off', options, 'required', gate.commit.signOff, isBool, 'true or false')) return [];
    // The PR title is not a commit: sign-off is checked on real commits only.
    return messagesToCheck(subject, gate.commit.merges, { extra: false })
      .filter((m) => !TRAILER.test(m.message))
      .map((m) => ({
        ruleId: 'commit/sign-off',
        ...(m.commit !== undefined ? { commit: m.commit } : {}),
        message: `${m.source} "${m.message.split('\n')[0] ?? ''}" has no Signed-off-by trailer`,
        hint: 'sign it off: `git commit --amend -s` (or `git rebase --signoff` for several commits)',
      }));
  },
};
