// Gate reporters with untrusted strings (file names, messages, subjects, rule ids from a
// repository): no line a reporter prints may start a workflow command (`::`) except the
// reporter's own annotations, no ESC byte may reach a log, and SARIF is always one balanced
// JSON document.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { githubReport } from '../../pipeline/gate/report/github.js';
import { sarifReport } from '../../pipeline/gate/report/sarif.js';
import { textReport } from '../../pipeline/gate/report/text.js';
import { memoryOutput } from '../../pipeline/core/output.js';
import type { GateResult } from '../../pipeline/gate/run.js';
import type { Finding } from '../../pipeline/gate/types.js';
import { HOSTILE_CHARS, runs } from './settings.js';

const untrusted = fc.array(fc.constantFrom(...HOSTILE_CHARS, '::error::x', '\n::warning file=a::b', '::add-mask::', '\u001b]8;;http://x\u0007', '\u001b[2J', '%0A', '\r\n::', '}', ']}'), { maxLength: 8 }).map((xs) => xs.join(''));
const finding: fc.Arbitrary<Finding> = fc.record(
  {
    ruleId: fc.oneof(fc.constantFrom('commit/message', 'diff/secret'), untrusted),
    severity: fc.constantFrom('error' as const, 'warn' as const),
    message: untrusted,
    commit: fc.stringMatching(/^[0-9a-f]{40}$/),
    file: untrusted,
    line: fc.integer({ min: 1, max: 10_000 }),
    column: fc.integer({ min: 1, max: 200 }),
    hint: untrusted,
    subject: untrusted,
  },
  { requiredKeys: ['ruleId', 'severity', 'message'] },
);
const result = fc.array(finding, { maxLength: 25 }).map(
  (findings): GateResult => ({ passed: findings.every((f) => f.severity !== 'error'), findings, suppressed: 0, commits: 1, files: findings.length, subjects: [], rules: [] }),
);

describe('gate reporters under fuzzing', () => {
  it('--github: one line per annotation starts with ::, no other line does, and no ESC byte', () => {
    fc.assert(
      fc.property(result, (r) => {
        const lines = githubReport(r).flatMap((l) => l.split(/\r?\n|\r/));
        const annotated = Math.min(10, r.findings.filter((f) => f.severity === 'error').length) + Math.min(10, r.findings.filter((f) => f.severity === 'warn').length);
        expect(lines.filter((l) => l.startsWith('::')).length).toBe(annotated);
        for (const l of lines) {
          expect(l).not.toContain('\u001b');
          if (l.startsWith('::')) expect(l).toMatch(/^::(error|warning) [^:]*::/);
        }
      }),
      runs(300),
    );
  });

  it('text: no line starts with :: and no ESC byte when not a terminal', () => {
    fc.assert(
      fc.property(result, (r) => {
        const out = memoryOutput();
        textReport(r, out);
        for (const l of [...out.stdout, ...out.stderr].flatMap((x) => x.split(/\r?\n|\r/))) {
          expect(l.trimStart().startsWith('::')).toBe(false);
          expect(l).not.toContain('\u001b');
        }
      }),
      runs(300),
    );
  });

  it('SARIF: one JSON document that round-trips, a result per finding with the text intact', () => {
    fc.assert(
      fc.property(result, (r) => {
        const text = JSON.stringify(sarifReport(r, '0.0.0'), null, 2);
        const back = JSON.parse(text) as { runs: { results: { message: { text: string } }[] }[] };
        expect(back.runs[0]!.results).toHaveLength(r.findings.length);
        r.findings.forEach((f, i) => expect(back.runs[0]!.results[i]!.message.text.startsWith(f.message)).toBe(true));
        expect(text).not.toContain('\u001b');
      }),
      runs(300),
    );
  });
});
