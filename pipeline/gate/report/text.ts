// The report for people: findings grouped by commit, then file, as `file:line` lines. Every
// string from the repository (file names, messages, subjects) is shown through `printable`:
// an escape sequence, line break or bidi override in a file name prints as `\e`, `\n`, `\u202e`.
import type { Output } from '../../core/output.js';
import { printable } from '../../core/untrusted.js';
import type { GateResult } from '../run.js';
import type { Finding } from '../types.js';

// A line that starts with untrusted text never starts with `::` (a workflow command on a
// runner, even outside --github). Found by test/fuzz/reporters.
const lineStart = (s: string): string => (s.trimStart().startsWith('::') ? `\\${s}` : s);

export function textReport(r: GateResult, out: Output): void {
  const p = out.paint;
  const groups = new Map<string, Map<string, Finding[]>>();
  for (const f of r.findings) {
    const what = f.commit ? `commit ${f.commit.slice(0, 12)}` : f.file ? 'changes' : 'messages';
    const c = f.subject ? lineStart(`${printable(f.subject)}: ${what}`) : what;
    const byFile = groups.get(c) ?? new Map<string, Finding[]>();
    groups.set(c, byFile);
    const key = f.file ?? '';
    byFile.set(key, [...(byFile.get(key) ?? []), f]);
  }
  for (const [commit, byFile] of groups) {
    out.out(p.bold(commit));
    for (const [file, findings] of byFile) {
      // A file's findings that all name it and no line need no header: say the name once.
      const header = file !== '' && findings.some((f) => f.line || !f.message.includes(file));
      if (header) out.out(`  ${p.cyan(lineStart(printable(file)))}`);
      const indent = header ? '    ' : '  ';
      for (const f of findings) {
        const sev = f.severity === 'error' ? p.red('error') : p.yellow('warn ');
        const where = f.file && f.line ? `${printable(f.file)}:${f.line}${f.column ? `:${f.column}` : ''}  ` : '';
        out.out(`${indent}${sev} ${where}${printable(f.message)}  ${p.dim(printable(f.ruleId))}`);
        if (f.hint) out.out(`${indent}      ${p.dim(`fix: ${printable(f.hint)}`)}`);
      }
    }
  }
  if (r.eslint?.notice) out.out(p.dim(`note: ${r.eslint.notice}`));
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  const counts = `${scope(r)}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${r.suppressed ? `, ${r.suppressed} suppressed by the baseline` : ''}`;
  if (r.baselineWritten) out.out(p.green(`baseline written to ${printable(r.baselineWritten)} (${r.findings.length} finding${r.findings.length === 1 ? '' : 's'})`));
  else if (r.passed) out.out(`${p.green('gate passed')}  ${counts}`);
  else out.out(`${p.red('gate failed')}  ${counts}`);
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** What was checked: staged changes have files but no commits. */
function scope(r: GateResult): string {
  if (r.staged) return `${plural(r.files, 'staged file')}`;
  return `${plural(r.commits, 'commit')}, ${plural(r.files, 'file')}`;
}
