// The release commands' reports as text: the state of one release, its history, and the
// one-line progress `release watch` prints per pass.
import type { Painter } from '../core/output.js';
import type { ReleaseReport } from './types.js';

export function renderReleaseText(r: ReleaseReport, p: Painter): string[] {
  const colour = (s: string) => (r.exitCode === 0 ? p.green(s) : r.exitCode === 3 ? p.yellow(s) : p.red(s));
  if (!r.exists) return [r.message];
  const lines = [
    `${p.bold(r.app)}  ${r.strategy} via ${r.router}  revision ${r.revision}  ${colour(r.phase)}`,
    `  image    ${r.image}${r.previousImage ? p.dim(` (was ${r.previousImage})`) : ''}`,
    `  step     ${Math.min(r.stepIndex + 1, r.steps)}/${r.steps} ${r.currentStep ?? ''}`,
  ];
  const confirmed = r.confirmedWeight !== undefined ? `, ${r.confirmedWeight}% confirmed` : '';
  lines.push(`  weight   ${r.desiredWeight}% desired${confirmed}${r.cohorts ? `, ${r.cohorts} cohort(s)` : ''}`);
  if (r.startedBy) lines.push(`  started  by ${r.startedBy.who} at ${r.startedBy.at}${r.startedBy.runId ? ` (run ${r.startedBy.runId})` : ''}`);
  for (const a of r.analysis.slice(-5)) lines.push(`  analysis step ${a.stepIndex + 1} ${a.template}: ${a.outcome === 'Failed' ? p.red(a.outcome) : a.outcome} (${a.message})`);
  for (const n of r.notes) lines.push(`  note     ${n}`);
  lines.push(`  ${r.message}`);
  if (r.timedOut) lines.push(p.yellow('  timed out: run `shardship release status --watch` or `release watch` to follow it'));
  return lines;
}

export function renderHistoryText(r: ReleaseReport): string[] {
  const history = r.history ?? [];
  if (!history.length) return [`no release history for ${r.app}`];
  return history.map((h) => `${h.at}  r${h.revision}  ${h.action.padEnd(8)} ${h.who}${h.runId ? ` (run ${h.runId})` : ''}  ${h.image}  ${h.detail}`);
}

/** One line per app and pass of `release watch`. */
export function watchLine(r: ReleaseReport, at = new Date()): string {
  return `${at.toISOString()} ${r.app} ${r.phase}: ${r.message}`;
}
