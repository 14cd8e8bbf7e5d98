// `migrate verify` as text: per logical table, how many copies and variants, then the drift.
import type { Painter } from '../core/output.js';
import { formatDrift, type DriftReport } from './verify.js';

export function renderDriftText(report: DriftReport, p: Painter): string[] {
  const lines = [`${'logical table'.padEnd(24)} copies  variants  drifting`];
  for (const t of report.tables) {
    const row = `${t.logicalTable.padEnd(24)} ${String(t.copies).padStart(6)}  ${String(t.variants.length).padStart(8)}  ${String(t.drifting.length).padStart(8)}`;
    lines.push(t.drifting.length ? p.red(row) : row);
  }
  return [...lines, ...formatDrift(report)];
}
