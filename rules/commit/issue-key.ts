// Every message names an issue (e.g. LOAN-123) when gate.commit.issueKey is set.
import { ConfigError } from '../../pipeline/core/errors.js';
import { isString, messagesToCheck, option } from '../../pipeline/gate/changes.js';
import type { GateRule } from '../../pipeline/gate/types.js';

export const commitIssueKey: GateRule = {
  id: 'commit/issue-key',
  group: 'commit',
  defaultSeverity: 'error',
  description: 'Every commit message (and PR title) matches gate.commit.issueKey, e.g. "[A-Z]+-\\d+"; off while no pattern is set.',
  check({ subject, gate, options }) {
    const pattern = option('commit/issue-key', options, 'pattern', gate.commit.issueKey, isString, 'a regular expression');
    if (!pattern) return [];
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (e) {
      throw new ConfigError([{ path: 'gate.commit.issueKey', message: `not a valid regular expression: ${(e as Error).message}`, hint: 'e.g. "[A-Z]+-\\\\d+"' }], { cause: e });
    }
    return messagesToCheck(subject, gate.commit.merges)
      .filter((m) => !re.test(m.message))
      .map((m) => ({
        ruleId: 'commit/issue-key',
        ...(m.commit !== undefined ? { commit: m.commit } : {}),
        message: `${m.source} "${m.message.split('\n')[0] ?? ''}" names no issue key matching /${pattern}/`,
        hint: 'add the issue key to the subject or a footer, e.g. "Refs: LOAN-123"',
      }));
  },
};
