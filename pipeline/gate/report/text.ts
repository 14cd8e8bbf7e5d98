// The report for people: findings grouped by commit, then file, as `file:line` lines.
import type { Output } from '../../core/output.js';
import type { GateResult } from '../run.js';
import type { Finding } from '../types.js';

export function textReport(r: GateResult, out: Output): void {
  const p = out.paint;
  const groups = new Map<string, Map<string, Finding[]>>();
  for (const f of r.findings) {
    const what = f.commit ? `commit ${f.commit.slice(0, 12)}` : f.file ? 'changes' : 'messages';
    const c = f.subject ? `${f.subject}: ${what}` : what;
    const byFile = groups.get(c) ?? new Map<string, Finding[]>();
    groups.set(c, byFile);
    const key = f.file ?? '';
    byFile.set(key, [...(byFile.get(key) ?? []), f]);
  }
  for (const [commit, byFile] of groups) {
    out.out(p.bold(commit));
    for (const [file, findings] of byFile) {
      if (file) out.out(`  ${p.cyan(file)}`);
      for (const f of findings) {
        const sev = f.severity === 'error' ? p.red('error') : p.yellow('warn ');
        const where = f.file ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}  ` : '';
        out.out(`${file ? '    ' : '  '}${sev} ${where}${f.message}  ${p.dim(f.ruleId)}`);
        if (f.hint) out.out(`${file ? '    ' : '  '}      ${p.dim(`fix: ${f.hint}`)}`);
      }
    }
  }
  if (r.eslint?.notice) out.out(p.dim(`note: ${r.eslint.notice}`));
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  const counts = `${r.commits} commit${r.commits === 1 ? '' : 's'}, ${r.files} file${r.files === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${r.suppressed ? `, ${r.suppressed} suppressed by the baseline` : ''}`;
  if (r.baselineWritten) out.out(p.green(`baseline written to ${r.baselineWritten} (${r.findings.length} finding${r.findings.length === 1 ? '' : 's'})`));
  else if (r.passed) out.out(`${p.green('gate passed')}  ${counts}`);
  else out.out(`${p.red('gate failed')}  ${counts}`);
}
