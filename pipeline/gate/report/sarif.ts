// SARIF 2.1.0 for GitHub code scanning (`gate --sarif FILE`).
import type { GateResult } from '../run.js';

export function sarifReport(r: GateResult, toolVersion: string): Record<string, unknown> {
  const ruleIds = [...new Set([...r.rules.map((x) => x.id), ...r.findings.map((f) => f.ruleId)])];
  const meta = new Map(r.rules.map((x) => [x.id, x]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'shardship',
            version: toolVersion,
            informationUri: 'https://github.com/shardship/shardship/blob/main/docs/rules.md',
            rules: ruleIds.map((id) => ({
              id,
              shortDescription: { text: meta.get(id)?.description ?? id },
              defaultConfiguration: { level: meta.get(id)?.severity === 'warn' ? 'warning' : 'error' },
            })),
          },
        },
        results: r.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: ruleIds.indexOf(f.ruleId),
          level: f.severity === 'error' ? 'error' : 'warning',
          message: { text: f.hint ? `${f.message}\nfix: ${f.hint}` : f.message },
          // Code scanning needs a location: message findings point at the repository root.
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file ?? '.' },
                ...(f.line ? { region: { startLine: f.line, ...(f.column ? { startColumn: f.column } : {}) } } : {}),
              },
            },
          ],
          partialFingerprints: { 'shardship/v1': f.fingerprint ?? '' },
          ...(f.commit ? { properties: { commit: f.commit } } : {}),
        })),
      },
    ],
  };
}
