// Commit messages follow the repository's commitlint config (config-conventional when it has none).
import { messagesToCheck } from '../../pipeline/gate/changes.js';
import type { GateConfig } from '../../pipeline/config/gate.js';
import type { GateRule, RuleFinding } from '../../pipeline/gate/types.js';

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Why a message is too big to parse, or undefined. commitlint's parser (its issue-reference
 * pattern) is cubic in a line's length: an 8,000-character subject held the gate for minutes.
 */
export function oversized(message: string, limits: GateConfig['commit']): string | undefined {
  let start = 0;
  for (let n = 1; start <= message.length; n++) {
    const end = message.indexOf('\n', start);
    const stop = end === -1 ? message.length : end;
    const length = stop - start - (message.charAt(stop - 1) === '\r' ? 1 : 0);
    if (length > limits.maxLineLength) {
      return `line ${n} is ${count(length)} characters long; the gate parses lines of at most ${count(limits.maxLineLength)} (gate.commit.maxLineLength)`;
    }
    if (end === -1) break;
    start = end + 1;
  }
  if (message.length > limits.maxMessageLength) {
    return `the message is ${count(message.length)} characters long; the gate parses messages of at most ${count(limits.maxMessageLength)} (gate.commit.maxMessageLength)`;
  }
  return undefined;
}

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
    const tooBig = messages.map((m) => oversized(m.message, gate.commit));
    const outcomes = await Promise.all(messages.map((m, i) => (m.message.trim() === '' || tooBig[i] ? Promise.resolve(undefined) : linter.lint(m.message))));
    messages.forEach((m, i) => {
      const where = { ...(m.commit !== undefined ? { commit: m.commit } : {}) };
      const title = m.message.slice(0, 1000).split('\n')[0] ?? '';
      const outcome = outcomes[i];
      const why = tooBig[i];
      if (why) {
        findings.push({
          ruleId: 'commit/message',
          ...where,
          message: `${m.source} "${shorten(title)}": ${why}`,
          hint: `wrap the body at 72 characters and keep the subject short${m.commit ? ' (git commit --amend, or git rebase -i for older commits)' : ''}; or raise the limit in shardship.yaml`,
        });
        return;
      }
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
            message: `${m.source} "${shorten(title)}": ${r.message} [${r.name}]`,
            hint: m.commit ? 'reword it: `git commit --amend` (last commit) or `git rebase -i` (older ones)' : `see ${linter.helpUrl}`,
          });
        }
      }
    });
    return findings;
  },
};

/** A subject cut to 72 characters says that it was cut. */
export function shorten(title: string, max = 72): string {
  return title.length > max ? `${title.slice(0, max - 1)}…` : title;
}
