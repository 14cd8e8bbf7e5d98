// GitHub workflow commands (`gate --github`): one annotation per finding, within GitHub's
// per-step limit of 10 error and 10 warning annotations; the rest are summed up in a line.
// Escaping follows the runner (actions/runner ActionCommand.cs): data escapes %, CR and LF,
// properties also `:` and `,`, so no text can end the command or start another one. Messages
// are first made printable: the log viewer renders ANSI sequences.
import { printable } from '../../core/untrusted.js';
import type { GateResult } from '../run.js';
import type { Finding } from '../types.js';

export const ANNOTATION_LIMIT = 10;

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function annotation(f: Finding): string {
  const cmd = f.severity === 'error' ? 'error' : 'warning';
  const props = [
    // Controls in a file name are shown escaped: no ESC or bidi byte reaches the log (test/fuzz/reporters).
    ...(f.file ? [`file=${escapeProperty(printable(f.file))}`] : []),
    ...(f.line ? [`line=${f.line}`] : []),
    ...(f.column ? [`col=${f.column}`] : []),
    `title=${escapeProperty(printable(f.ruleId))}`,
  ];
  const text = f.hint ? `${printable(f.message)}\nfix: ${printable(f.hint)}` : printable(f.message);
  return `::${cmd} ${props.join(',')}::${escapeData(text)}`;
}

export function githubReport(r: GateResult): string[] {
  const lines: string[] = [];
  const errors = r.findings.filter((f) => f.severity === 'error');
  const warnings = r.findings.filter((f) => f.severity === 'warn');
  for (const f of errors.slice(0, ANNOTATION_LIMIT)) lines.push(annotation(f));
  for (const f of warnings.slice(0, ANNOTATION_LIMIT)) lines.push(annotation(f));
  const moreErrors = Math.max(0, errors.length - ANNOTATION_LIMIT);
  const moreWarnings = Math.max(0, warnings.length - ANNOTATION_LIMIT);
  if (moreErrors || moreWarnings) {
    lines.push(`${moreErrors + moreWarnings} more (${moreErrors} error${moreErrors === 1 ? '' : 's'}, ${moreWarnings} warning${moreWarnings === 1 ? '' : 's'}) not annotated: GitHub shows at most ${ANNOTATION_LIMIT} of each per step; see the report above or the SARIF upload`);
  }
  return lines;
}
