// The `gate --json` contract: one schema (pipeline/gate/report/json.ts) that the writer's output
// satisfies, the reader parses with, and the published JSON Schema is generated from.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../../pipeline/core/errors.js';
import { GATE_JSON_SCHEMA_VERSION, GateJsonReport, gateReportJsonSchema, jsonReport, parseGateJsonReport } from '../../../../pipeline/gate/report/json.js';
import type { GateResult } from '../../../../pipeline/gate/run.js';

const result: GateResult = {
  passed: false,
  findings: [
    { ruleId: 'commit/message', severity: 'error', message: 'type may not be empty', commit: 'c'.repeat(40), subject: 'refs/heads/main', hint: 'reword', fingerprint: 'f1' },
    { ruleId: 'code/eslint', severity: 'warn', message: 'no-unused-vars', commit: 'c'.repeat(40), file: 'src/a.ts', line: 3, column: 7, fingerprint: 'f2' },
  ],
  suppressed: 1,
  commits: 1,
  files: 1,
  subjects: ['refs/heads/main'],
  baselineWritten: '.shardship/baseline.json',
  eslint: { version: '9.39.1', from: 'shardship', notice: 'no eslint in the repository' },
  rules: [],
};

function refusal(data: unknown): UsageError {
  try {
    parseGateJsonReport(data, 'gate.json');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('the document was accepted');
}

describe('gate --json contract', () => {
  it('what the writer prints (as JSON text) the reader parses back unchanged', () => {
    const written = jsonReport(result);
    const read = parseGateJsonReport(JSON.parse(JSON.stringify(written)), 'gate.json');
    expect(read).toEqual(written);
    expect(GateJsonReport.parse(jsonReport({ ...result, eslint: undefined, baselineWritten: undefined }))).not.toHaveProperty('eslint');
  });

  it('a reader keeps working when a newer shardship of the same schemaVersion adds fields', () => {
    const written = { ...jsonReport(result), durationMs: 12, findings: jsonReport(result).findings.map((f) => ({ ...f, url: 'x' })) };
    expect(parseGateJsonReport(written, 'gate.json').findings[0]).toEqual(jsonReport(result).findings[0]);
  });

  it('refuses a newer schemaVersion naming both versions and what to do', () => {
    const e = refusal({ ...jsonReport(result), schemaVersion: GATE_JSON_SCHEMA_VERSION + 1 });
    expect(e.message).toBe(`gate.json is a \`shardship gate --json\` result of schemaVersion 2, written by a newer shardship; this shardship reads schemaVersion 1`);
    expect(e.hint).toMatch(/same shardship version/);
    expect(e.exitCode).toBe(ExitCode.Usage);
  });

  it('refuses a missing or unknown schemaVersion and a missing field, naming the file and the field', () => {
    const { schemaVersion: _, ...noVersion } = jsonReport(result);
    expect(refusal(noVersion).message).toBe('gate.json is not a `shardship gate --json` result: it has no schemaVersion');
    expect(refusal({ ...jsonReport(result), schemaVersion: 0 }).message).toBe('gate.json is not a `shardship gate --json` result: unknown schemaVersion 0');
    expect(refusal({ ...jsonReport(result), schemaVersion: '1' }).message).toBe('gate.json is not a `shardship gate --json` result: unknown schemaVersion "1"');
    expect(refusal([]).message).toBe('gate.json is not a `shardship gate --json` result: it has no schemaVersion');
    const { summary: __, ...noSummary } = jsonReport(result);
    expect(refusal(noSummary).message).toMatch(/^gate\.json is not a `shardship gate --json` result: summary: /);
    const badSeverity = jsonReport(result);
    badSeverity.findings[1]!.severity = 'fatal' as 'error';
    expect(refusal(badSeverity).message).toMatch(/^gate\.json is not a `shardship gate --json` result: findings\.1\.severity: /);
  });

  it('publishes a JSON Schema that matches the committed copy (npm run schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../../schema/gate-report.schema.json', import.meta.url), 'utf8'));
    expect(gateReportJsonSchema()).toEqual(committed);
    expect(committed.required).toEqual(['schemaVersion', 'passed', 'summary', 'subjects', 'findings']);
    expect(committed.additionalProperties).toBeUndefined();
  });
});
