// Secrets in added lines, found by secretlint (preset-recommend or the repo's .secretlintrc).
// Only the rule, file:line and a masked preview are ever printed: never the secret.
import { maskPreview } from '../../pipeline/core/redact.js';
import { changeSets } from '../../pipeline/gate/changes.js';
import { scanText, secretlintConfig } from '../../pipeline/gate/secretlint.js';
import type { GateRule, RuleFinding } from '../../pipeline/gate/types.js';

export const diffSecrets: GateRule = {
  id: 'diff/secrets',
  group: 'diff',
  defaultSeverity: 'error',
  description: "Added lines carry no secrets (secretlint preset-recommend, or the repository's .secretlintrc); findings show a masked preview only.",
  async check({ subject }) {
    const sets = changeSets(subject);
    if (!sets.some((s) => s.files.some((f) => f.addedLines.length))) return [];
    const config = await secretlintConfig(subject.repoDir);
    const findings: RuleFinding[] = [];
    for (const set of sets) {
      for (const file of set.files) {
        if (file.binary || file.submodule || !file.addedLines.length) continue;
        // Added lines are scanned as one text; scanned line i is added line i.
        const hits = await scanText(config, file.path, file.addedLines.map((l) => l.text).join('\n'));
        for (const hit of hits) {
          findings.push({
            ruleId: 'diff/secrets',
            ...(set.commit ? { commit: set.commit } : {}),
            file: file.path,
            line: file.addedLines[hit.line - 1]?.line ?? hit.line,
            column: hit.column,
            message: `possible secret (${hit.ruleId}${hit.messageId ? `/${hit.messageId}` : ''}): ${maskPreview(hit.match)}`,
            hint: 'remove it from every commit (git rebase -i) and rotate the credential; read it from the environment instead',
            secret: hit.match,
          });
        }
      }
    }
    return findings;
  },
};
