// Secrets in added lines, found by secretlint (preset-recommend or the repo's .secretlintrc).
// Only the rule, file:line and a masked preview are ever printed: never the secret.
import { maskPreview } from '../../pipeline/core/redact.js';
import { changeSets } from '../../pipeline/gate/changes.js';
import { scanText, secretlintConfig } from '../../pipeline/gate/secretlint.js';
import { scanPatterns } from '../../pipeline/gate/secret-patterns.js';
import { isIgnored, readGitleaksIgnore } from '../../pipeline/gate/gitleaks-ignore.js';
import type { GateRule, RuleFinding } from '../../pipeline/gate/types.js';

export const diffSecrets: GateRule = {
  id: 'diff/secrets',
  group: 'diff',
  defaultSeverity: 'error',
  description:
    "Added lines carry no secrets (secretlint preset-recommend, or the repository's .secretlintrc, plus shardship's own patterns for what gitleaks finds and secretlint does not); .gitleaksignore fingerprints are allowed; findings show a masked preview only.",
  async check({ subject }) {
    const sets = changeSets(subject);
    if (!sets.some((s) => s.files.some((f) => f.addedLines.length))) return [];
    const config = await secretlintConfig(subject.repoDir);
    const ignored = await readGitleaksIgnore(subject.repoDir);
    const findings: RuleFinding[] = [];
    for (const set of sets) {
      for (const file of set.files) {
        if (file.binary || file.submodule || !file.addedLines.length) continue;
        // Added lines are scanned as one text; scanned line i is added line i.
        const text = file.addedLines.map((l) => l.text).join('\n');
        const fromSecretlint = await scanText(config, file.path, text);
        // One finding per line: secretlint's wins where both tools see the same line.
        const seen = new Set(fromSecretlint.map((h) => h.line));
        const hits = [...fromSecretlint, ...scanPatterns(text).filter((h) => !seen.has(h.line) && seen.add(h.line))];
        for (const hit of hits) {
          const line = file.addedLines[hit.line - 1]?.line ?? hit.line;
          if (isIgnored(ignored, { commit: set.commit, file: file.path, line })) continue;
          findings.push({
            ruleId: 'diff/secrets',
            ...(set.commit ? { commit: set.commit } : {}),
            file: file.path,
            line,
            column: hit.column,
            message: `possible secret (${hit.ruleId}${hit.messageId ? `/${hit.messageId}` : ''}): ${maskPreview(hit.match)}`,
            hint: 'remove it from every commit (git rebase -i) and rotate the credential; read it from the environment instead',
          });
        }
      }
    }
    return findings;
  },
};
