// `migrate apply` as text: drift warnings, the summary and what to do about a failed database.
import type { Output } from '../core/output.js';
import type { MigrationRun } from './apply.js';
import { formatDatabaseLine } from './progress.js';
import { formatDrift } from './verify.js';

export function renderApplyText(run: MigrationRun, out: Pick<Output, 'paint' | 'isTTY'>): string[] {
  const p = out.paint;
  const lines: string[] = [];
  if (out.isTTY) for (const d of run.databases) lines.push(formatDatabaseLine(d));
  if (run.verifyBefore && !run.verifyBefore.ok) lines.push(p.yellow('warning: drift before apply:'), ...formatDrift(run.verifyBefore));
  if (run.verifyCanary && !run.verifyCanary.ok) lines.push(p.red('canary drift:'), ...formatDrift(run.verifyCanary));
  if (run.verifyAfter && !run.verifyAfter.ok) lines.push(p.red('drift after apply:'), ...formatDrift(run.verifyAfter));
  if (run.stopped) lines.push(p.red('stopped: ') + run.stopped);
  const count = (o: string) => run.databases.filter((d) => d.outcome === o).length;
  const statements = run.databases.reduce((n, d) => n + d.statementsRun, 0);
  const failed = run.databases.filter((d) => !['applied', 'up-to-date', 'skipped'].includes(d.outcome));
  const summary = `${run.databases.length} databases: ${count('applied')} applied, ${count('up-to-date')} up to date, ${failed.length} failed, ${count('skipped')} skipped; ${statements} statements in ${(run.durationMs / 1000).toFixed(1)}s`;
  lines.push(run.ok ? p.green(summary) : p.red(summary));
  for (const d of failed) lines.push(p.red(`  ${d.target.node}/${d.target.database} ${d.outcome}: `) + (d.error ?? ''));
  if (!run.ok && failed.length) lines.push('re-run `shardship migrate apply` to resume: only what is missing runs, from the failed statement');
  return lines;
}
