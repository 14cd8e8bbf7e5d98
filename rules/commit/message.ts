// Commit messages follow the repository's commitlint config (config-conventional when it has none).
import { messagesToCheck } from '../../pipeline/gate/changes.js';
import type { GateRule, RuleFinding } from '../../pipeline/gate/types.js';

export const commitMessage: GateRule = {
  id: 'commit/message',
  group: 'commit',
  defaultSeverity: 'error',
  description: "Commit messages pass commitlint with the repository's config (else @commitlint/config-conventional); commitlint warnings stay warnings.",
  prepare({ repoDir, mode }) {
    if (mode === 'staged') return Promise.resolve();
    return import('../../pipeline/gate/commitlint.js').then((m) => m.commitLinter(repoDir));
  },
  async check({ subject, gate }) {
    const messages = messagesToCheck(subject, gate.commit.merges);
    if (!messages.length) return [];
    // Loaded on use: commitlint costs a few hundred ms to load, which a code-only run need not pay.
    const { commitLinter } = await import('../../pipeline/gate/commitlint.js');
    const linter = await commitLinter(subject.repoDir);
    const findings: RuleFinding[] = [];
    const outcomes = await Promise.all(messages.map((m) => (m.message.trim() === '' ? Promise.resolve(undefined) : linter.lint(m.message))));
    messages.forEach((m, i) => {
      const where = { ...(m.commit !== undefined ? { commit: m.commit } : {}) };
      const title = m.message.split('\n')[0] ?? '';
      const outcome = outcomes[i];
      if (!outcome) {
        findings.push({ ruleId: 'commit/message', ...where, message: `${m.source}: the message is empty`, hint: 'write a message like "fix(api): handle empty cart"' });
        return;
      }
      for (const [level, list] of [['error', outcome.errors], ['warn', outcome.warnings]] as const) {
        for (const r of list) {
          findings.push({
            ruleId: 'commit/message',
            ...where,
            severity: level,
            message: `${m.source} "${title.slice(0, 72)}": ${r.message} [${r.name}]`,
            hint: m.commit ? 'reword it: `git commit --amend` (last commit) or `git rebase -i` (older ones)' : `see ${linter.helpUrl}`,
          });
        }
      }
    });
    return findings;
  },
};
