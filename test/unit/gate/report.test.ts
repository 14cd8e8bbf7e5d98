import { describe, expect, it } from 'vitest';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { annotation, githubReport } from '../../../pipeline/gate/report/github.js';
import { jsonReport } from '../../../pipeline/gate/report/json.js';
import { sarifReport } from '../../../pipeline/gate/report/sarif.js';
import { textReport } from '../../../pipeline/gate/report/text.js';
import type { GateResult } from '../../../pipeline/gate/run.js';
import type { Finding } from '../../../pipeline/gate/types.js';

function result(findings: Finding[], extra: Partial<GateResult> = {}): GateResult {
  return {
    passed: !findings.some((f) => f.severity === 'error'),
    findings,
    suppressed: 0,
    commits: 2,
    files: 3,
    subjects: ['aaa..bbb'],
    rules: [{ id: 'diff/secrets', group: 'diff', severity: 'error', description: 'no secrets' }],
    ...extra,
  };
}

const SHA = 'c'.repeat(40);

describe('github annotations', () => {
  it('escapes data and properties as the workflow-command format requires', () => {
    // A line break inside a message shows as `\n`: the one real break is before the hint.
    expect(annotation({ ruleId: 'diff/x', severity: 'error', message: '50% done\nnext', file: 'a,b:c.ts', line: 3, column: 2, hint: 'fix it' })).toBe(
      '::error file=a%2Cb%3Ac.ts,line=3,col=2,title=diff/x::50%25 done\\nnext%0Afix: fix it',
    );
    expect(annotation({ ruleId: 'commit/message', severity: 'warn', message: 'm' })).toBe('::warning title=commit/message::m');
  });

  it('emits at most 10 errors and 10 warnings, then one "N more" line', () => {
    const findings: Finding[] = [
      ...Array.from({ length: 25 }, (_, i): Finding => ({ ruleId: 'r', severity: 'error', message: `e${i}`, file: 'f', line: i + 1 })),
      ...Array.from({ length: 12 }, (_, i): Finding => ({ ruleId: 'r', severity: 'warn', message: `w${i}` })),
    ];
    const lines = githubReport(result(findings));
    expect(lines.filter((l) => l.startsWith('::error'))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('::warning'))).toHaveLength(10);
    expect(lines.at(-1)).toMatch(/^17 more \(15 errors, 2 warnings\) not annotated/);
    expect(githubReport(result(findings.slice(0, 3)))).toHaveLength(3);
  });
});

describe('sarif', () => {
  it('is SARIF 2.1.0 with rules, levels, locations and fingerprints', () => {
    const s = sarifReport(
      result([
        { ruleId: 'diff/secrets', severity: 'error', message: 'secret', file: 'src/a.ts', line: 4, column: 7, fingerprint: 'fp1', commit: SHA },
        { ruleId: 'commit/message', severity: 'warn', message: 'body', fingerprint: 'fp2' },
      ]),
      '0.1.0',
    ) as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: Record<string, unknown>[] }[] };
    expect(s.version).toBe('2.1.0');
    expect(s.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(['diff/secrets', 'commit/message']);
    expect(s.runs[0]!.results[0]).toMatchObject({
      ruleId: 'diff/secrets',
      ruleIndex: 0,
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.ts' }, region: { startLine: 4, startColumn: 7 } } }],
      partialFingerprints: { 'shardship/v1': 'fp1' },
      properties: { commit: SHA },
    });
    expect(s.runs[0]!.results[1]).toMatchObject({ level: 'warning', ruleIndex: 1, locations: [{ physicalLocation: { artifactLocation: { uri: '.' } } }] });
  });
});

describe('json and text', () => {
  const findings: Finding[] = [
    { ruleId: 'commit/message', severity: 'error', message: 'commit x "bad": type may not be empty', commit: SHA, hint: 'reword', fingerprint: 'f1' },
    { ruleId: 'diff/conflict-markers', severity: 'error', message: 'marker', commit: SHA, file: 'a.txt', line: 2, fingerprint: 'f2' },
    { ruleId: 'diff/forbidden-paths', severity: 'warn', message: '.env must not be committed', file: '.env', fingerprint: 'f3' },
    { ruleId: 'diff/binary-files', severity: 'error', message: 'binary file outside the allowed paths', file: 'b.bin', fingerprint: 'f4' },
  ];
  it('json carries schemaVersion 1 and null for absent fields', () => {
    const j = jsonReport(result(findings, { suppressed: 4 }));
    expect(j.schemaVersion).toBe(1);
    expect(j.summary).toEqual({ errors: 3, warnings: 1, suppressed: 4, commits: 2, files: 3 });
    expect(j.findings[2]).toEqual({ ruleId: 'diff/forbidden-paths', severity: 'warn', message: '.env must not be committed', commit: null, subject: null, file: '.env', line: null, column: null, hint: null, fingerprint: 'f3' });
  });
  // A file-level finding says the file's name once: no header when its message names it, no
  // file:line when it has no line.
  it('text groups by commit then file, with file:line', () => {
    const out = memoryOutput();
    textReport(result(findings), out);
    expect(out.stdout).toEqual([
      `commit ${SHA.slice(0, 12)}`,
      '  error commit x "bad": type may not be empty  commit/message',
      '        fix: reword',
      '  a.txt',
      '    error a.txt:2  marker  diff/conflict-markers',
      'changes',
      '  warn  .env must not be committed  diff/forbidden-paths',
      '  b.bin',
      '    error binary file outside the allowed paths  diff/binary-files',
      'gate failed  2 commits, 3 files: 3 errors, 1 warning',
    ]);
  });

  it('a staged run counts staged files, not "0 commits"', () => {
    const out = memoryOutput();
    textReport(result([], { staged: true, commits: 0, files: 2 }), out);
    expect(out.stdout).toEqual(['gate passed  2 staged files: 0 errors, 0 warnings']);
  });
});
