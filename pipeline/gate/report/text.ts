// The report for people: findings grouped by commit, then file, as `file:line` lines.
import type { Output } from '../../core/output.js';
import type { GateResult } from '../run.js';
import type { Finding } from '../types.js';

// Untrusted strings (file names, messages, subjects) shown with controls escaped, and never
// starting a line with `::` (a workflow command on a runner). Found by test/fuzz/reporters;
// issue 13's gate work makes the same guarantee with core/untrusted.ts, which supersedes this.
// eslint-disable-next-line no-control-regex -- control characters are what is escaped
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const shown = (s: string): string => s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const lineStart = (s: string): string => (s.trimStart().startsWith('::') ? `\\${s}` : s);

export function textReport(r: GateResult, out: Output): void {
  const p = out.paint;
  const groups = new Map<string, Map<string, Finding[]>>();
  for (const f of r.findings) {
    const what = f.commit ? `commit ${f.commit.slice(0, 12)}` : f.file ? 'changes' : 'messages';
    const c = f.subject ? lineStart(`${shown(f.subject)}: ${what}`) : what;
    const byFile = groups.get(c) ?? new Map<string, Finding[]>();
    groups.set(c, byFile);
    const key = f.file ?? '';
    byFile.set(key, [...(byFile.get(key) ?? []), f]);
  }
  for (const [commit, byFile] of groups) {
    out.out(p.bold(commit));
    for (const [file, findings] of byFile) {
      if (file) out.out(`  ${p.cyan(lineStart(shown(file)))}`);
      for (const f of findings) {
        const sev = f.severity === 'error' ? p.red('error') : p.yellow('warn ');
        const where = f.file ? `${shown(f.file)}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}  ` : '';
        out.out(`${file ? '    ' : '  '}${sev} ${where}${shown(f.message)}  ${p.dim(shown(f.ruleId))}`);
        if (f.hint) out.out(`${file ? '    ' : '  '}      ${p.dim(`fix: ${shown(f.hint)}`)}`);
      }
    }
  }
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  const counts = `${r.commits} commit${r.commits === 1 ? '' : 's'}, ${r.files} file${r.files === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${r.suppressed ? `, ${r.suppressed} suppressed by the baseline` : ''}`;
  if (r.baselineWritten) out.out(p.green(`baseline written to ${r.baselineWritten} (${r.findings.length} finding${r.findings.length === 1 ? '' : 's'})`));
  else if (r.passed) out.out(`${p.green('gate passed')}  ${counts}`);
  else out.out(`${p.red('gate failed')}  ${counts}`);
}
