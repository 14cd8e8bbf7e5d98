// Reporters given text an attacker chose (file names, commit subjects, rule messages quoting
// code): no terminal escape, line break or bidi override reaches the screen, and no workflow
// command reaches the Actions runner (its parsing modelled in runner-model.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryOutput } from '../../../../pipeline/core/output.js';
import { printable, workflowInertJson } from '../../../../pipeline/core/untrusted.js';
import { githubReport } from '../../../../pipeline/gate/report/github.js';
import { jsonReport } from '../../../../pipeline/gate/report/json.js';
import { textReport } from '../../../../pipeline/gate/report/text.js';
import type { GateResult } from '../../../../pipeline/gate/run.js';
import type { Finding } from '../../../../pipeline/gate/types.js';
import { runnerCommands, runnerLines } from './runner-model.js';

export const HOSTILE = [
  'x\n::warning file=x::INJECTED',
  'x\r::error::INJECTED',
  '::add-mask::hunter2',
  '  ::set-output name=out::pwned',
  '::stop-commands::abc',
  'a ##[set-output name=out;]pwned',
  '\u001b[31mred\u001b[0m \u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007 \u001b]0;title\u0007',
  '\u009b31m C1 CSI',
  '$(touch /tmp/pwned) `id`',
  '--upload-pack=touch /tmp/pwned',
  'good\u202egnp.exe \u2066isolate\u2069 \u200f',
  'line\u2028separator',
];

// Anything printable by a terminal as an effect rather than a glyph.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function result(findings: Finding[], extra: Partial<GateResult> = {}): GateResult {
  return { passed: false, findings, suppressed: 0, commits: 1, files: 1, subjects: ['a..b'], rules: [], ...extra };
}

function hostileFindings(s: string): Finding[] {
  return [
    { ruleId: 'diff/conflict-markers', severity: 'error', message: `marker in ${s}`, file: s, line: 3, column: 1, commit: 'c'.repeat(40), subject: s },
    { ruleId: 'commit/message', severity: 'warn', message: `commit cccc "${s}": subject may not be empty`, hint: s, commit: 'c'.repeat(40) },
    { ruleId: s, severity: 'error', message: s, file: `${s}.ts`, hint: s },
  ];
}

describe('printable', () => {
  it('shows controls, line breaks and bidi characters as escapes and keeps the rest', () => {
    expect(printable('a\nb\r\tc\u001b[31m\u0007\u202e\u2066z é 日本 🙂')).toBe('a\\nb\\r\\tc\\e[31m\\x07\\u202e\\u2066z é 日本 🙂');
    expect(printable('src/app.ts')).toBe('src/app.ts');
  });
});

describe('text report with hostile strings', () => {
  for (const s of HOSTILE) {
    it(`prints ${JSON.stringify(s)} as one inert line each time`, () => {
      const out = memoryOutput();
      textReport(result(hostileFindings(s)), out);
      for (const line of out.stdout) expect(line).not.toMatch(UNSAFE);
      expect(runnerLines(out.stdout.join('\n'))).toHaveLength(out.stdout.length);
      expect(out.stdout.join('\n')).toContain(printable(s));
    });
  }

  it('the injected workflow command stays inside the line that names the file', () => {
    const out = memoryOutput();
    textReport(result(hostileFindings('x\n::warning file=x::INJECTED')), out);
    expect(out.stdout).toContain('  x\\n::warning file=x::INJECTED');
    expect(out.stdout.some((l) => l.trimStart().startsWith('::'))).toBe(false);
  });
});

describe('github annotations with hostile strings', () => {
  for (const s of HOSTILE) {
    it(`annotates ${JSON.stringify(s)} and the runner sees nothing else`, () => {
      const lines = githubReport(result(hostileFindings(s)));
      const commands = runnerCommands(lines.join('\n'));
      expect(commands.map((c) => c.command)).toEqual(['error', 'error', 'warning']);
      expect(commands[0]!.properties).toEqual({ file: printable(s), line: '3', col: '1', title: 'diff/conflict-markers' });
      expect(commands[0]!.data).toBe(`marker in ${printable(s)}`);
      expect(commands[1]!.properties.title).toBe(printable(s));
      // The one line break in an annotation is the runner-escaped one before the hint.
      for (const c of commands) for (const part of c.data.split('\nfix: ')) expect(part).not.toMatch(UNSAFE);
    });
  }
});

describe('json with hostile strings', () => {
  it('parses back to the same strings and holds no command for the runner', () => {
    for (const s of HOSTILE) {
      const json = workflowInertJson(JSON.stringify(jsonReport(result(hostileFindings(s))), null, 2));
      expect(runnerCommands(json)).toEqual([]);
      expect(JSON.parse(json).findings[0].file).toBe(s);
    }
  });
});

describe('reporters on arbitrary strings (property)', () => {
  const text = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(...HOSTILE), fc.array(fc.constantFrom('::', '##[', ']', '\n', '\r', '%', ',', ':', '=', '\u001b', '\u202e', 'a', ' '), { maxLength: 30 }).map((a) => a.join('')));

  it('the runner sees exactly one annotation per finding, carrying the file (controls escaped)', () => {
    fc.assert(
      fc.property(text, text, text, (file, message, hint) => {
        const findings: Finding[] = [{ ruleId: 'r', severity: 'error', message, file, line: 1, hint }, { ruleId: 'r', severity: 'warn', message: hint }];
        const commands = runnerCommands(githubReport(result(findings)).join('\n'));
        expect(commands.map((c) => c.command)).toEqual(['error', 'warning']);
        expect(commands[0]!.properties.file ?? '').toBe(printable(file));
        expect(commands[0]!.data).toBe(hint ? `${printable(message)}\nfix: ${printable(hint)}` : printable(message));
      }),
    );
  });

  // Under --github the CLI prints the text report between ::stop-commands:: lines (see the CLI test).
  it('the text report stays inert: no unsafe character, no line broken in two', () => {
    fc.assert(
      fc.property(text, text, text, (file, message, subject) => {
        const out = memoryOutput();
        textReport(result([{ ruleId: 'r', severity: 'error', message, file, line: 2, subject, commit: 'c'.repeat(40) }, { ruleId: 'r', severity: 'error', message, file }]), out);
        for (const line of out.stdout) expect(line).not.toMatch(UNSAFE);
        expect(runnerLines(out.stdout.join('\n'))).toHaveLength(out.stdout.length);
      }),
    );
  });

  it('json parses back to the strings and the runner sees no command', () => {
    fc.assert(
      fc.property(text, text, (file, message) => {
        const json = workflowInertJson(JSON.stringify(jsonReport(result([{ ruleId: 'r', severity: 'error', message, file }])), null, 2));
        expect(runnerCommands(json)).toEqual([]);
        expect(JSON.parse(json).findings[0]).toMatchObject({ file, message });
      }),
    );
  });
});
