// `gate --json`: the stable, documented machine shape (docs/gate.md). Bump schemaVersion on
// any incompatible change; adding fields is compatible.
import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import type { GateResult } from '../run.js';

/**
 * The one schema of the `gate --json` document: `jsonReport` writes it, readers (the
 * actions' `findings-file`, events/wire-gate.ts) parse it, and schema/gate-report.schema.json
 * is generated from it. A field added later must be optional: a reader may get a file an older
 * shardship wrote (the project's own toolchain in an earlier step).
 */
export const GATE_JSON_SCHEMA_VERSION = 1;

export const GateJsonReport = z
  .object({
    schemaVersion: z.literal(GATE_JSON_SCHEMA_VERSION),
    passed: z.boolean(),
    summary: z.object({ errors: z.number().int().nonnegative(), warnings: z.number().int().nonnegative(), suppressed: z.number().int().nonnegative(), commits: z.number().int().nonnegative(), files: z.number().int().nonnegative() }),
    subjects: z.array(z.string()).describe('The pushed refs or pull request the run checked.'),
    baselineWritten: z.string().optional().describe('Path of the baseline written by --write-baseline.'),
    eslint: z
      .object({ version: z.string(), from: z.enum(['repository', 'shardship']), notice: z.string().nullable() })
      .optional()
      .describe("Which ESLint code/eslint ran (absent when it did not run): the repository's own, or shardship's with a notice why."),
    findings: z.array(
      z.object({
        ruleId: z.string(),
        severity: z.enum(['error', 'warn']),
        message: z.string(),
        commit: z.string().nullable(),
        subject: z.string().nullable().describe('The pushed ref or pull request the finding belongs to, when the run had one.'),
        file: z.string().nullable(),
        line: z.number().int().nonnegative().nullable(),
        column: z.number().int().nonnegative().nullable(),
        hint: z.string().nullable(),
        fingerprint: z.string(),
      }),
    ),
  })
  .describe('The result of `shardship gate --json` (docs/gate.md).');
export type GateJsonReport = z.infer<typeof GateJsonReport>;

/** JSON Schema of the document (schema/gate-report.schema.json; npm run schema). */
export function gateReportJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://shardship.dev/schema/gate-report.schema.json',
    title: 'shardship gate --json',
    // 'input': no additionalProperties:false, since adding fields to the document is compatible.
    ...z.toJSONSchema(GateJsonReport, { io: 'input' }),
  };
}

export function jsonReport(r: GateResult): GateJsonReport {
  return {
    schemaVersion: GATE_JSON_SCHEMA_VERSION,
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

/**
 * Parse a `gate --json` document read from `source` (a file name, for messages): its
 * schemaVersion first (a newer shardship's document is refused, not misread), then the fields.
 */
export function parseGateJsonReport(data: unknown, source: string): GateJsonReport {
  const notOurs = (why: string) => new UsageError(`${source} is not a \`shardship gate --json\` result: ${why}`, { hint: 'write it with `shardship gate --json > FILE`' });
  const version = data && typeof data === 'object' && !Array.isArray(data) ? (data as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (version === undefined) throw notOurs('it has no schemaVersion');
  if (typeof version === 'number' && Number.isInteger(version) && version > GATE_JSON_SCHEMA_VERSION) {
    throw new UsageError(`${source} is a \`shardship gate --json\` result of schemaVersion ${version}, written by a newer shardship; this shardship reads schemaVersion ${GATE_JSON_SCHEMA_VERSION}`, {
      hint: 'use the same shardship version for the step that writes the file and the step that reads it (upgrade the reading one)',
    });
  }
  if (version !== GATE_JSON_SCHEMA_VERSION) throw notOurs(`unknown schemaVersion ${JSON.stringify(version)}`);
  const r = GateJsonReport.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw notOurs(`${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}
