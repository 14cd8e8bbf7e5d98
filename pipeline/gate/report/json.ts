// `gate --json`: the stable, documented machine shape (docs/gate.md). Bump schemaVersion on
// any incompatible change; adding fields is compatible.
import type { GateResult } from '../run.js';
import type { FindingSeverity } from '../types.js';

export interface GateJsonReport {
  schemaVersion: 1;
  passed: boolean;
  summary: { errors: number; warnings: number; suppressed: number; commits: number; files: number };
  subjects: string[];
  baselineWritten?: string;
  /** Which ESLint code/eslint ran (absent when it did not run): the repository's own, or shardship's with a notice why. */
  eslint?: { version: string; from: 'repository' | 'shardship'; notice: string | null };
  findings: {
    ruleId: string;
    severity: FindingSeverity;
    message: string;
    commit: string | null;
    /** The pushed ref or pull request the finding belongs to, when the run had one. */
    subject: string | null;
    file: string | null;
    line: number | null;
    column: number | null;
    hint: string | null;
    fingerprint: string;
  }[];
}

export function jsonReport(r: GateResult): GateJsonReport {
  return {
    schemaVersion: 1,
    passed: r.passed,
    summary: {
      errors: r.findings.filter((f) => f.severity === 'error').length,
      warnings: r.findings.filter((f) => f.severity === 'warn').length,
      suppressed: r.suppressed,
      commits: r.commits,
      files: r.files,
    },
    subjects: r.subjects,
    ...(r.baselineWritten ? { baselineWritten: r.baselineWritten } : {}),
    ...(r.eslint ? { eslint: { version: r.eslint.version, from: r.eslint.from, notice: r.eslint.notice ?? null } } : {}),
    findings: r.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      commit: f.commit || null,
      subject: f.subject ?? null,
      file: f.file ?? null,
      line: f.line ?? null,
      column: f.column ?? null,
      hint: f.hint ?? null,
      fingerprint: f.fingerprint ?? '',
    })),
  };
}
