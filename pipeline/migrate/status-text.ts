// `migrate status` as text: the migration x database matrix with each database's size.
import type { Painter } from '../core/output.js';
import { formatBytes } from './capacity.js';
import type { CellState, StatusReport } from './status.js';

const CELL: Record<CellState, string> = { success: 'ok', failed: 'FAILED', running: 'RUNNING', pending: '-', changed: 'CHANGED', unknown: '?' };

export function renderStatusText(report: StatusReport, p: Painter): string[] {
  const width = Math.max(8, ...report.versions.map((v) => v.length + 2));
  const lines = [`${'database'.padEnd(24)} ${report.versions.map((v) => `V${v}`.padEnd(width)).join(' ')} size`];
  for (const d of report.databases) {
    const cells = report.versions.map((v) => {
      const s = d.states[v] ?? 'unknown';
      const text = CELL[s].padEnd(width);
      return s === 'success' ? p.green(text) : s === 'pending' ? p.dim(text) : p.red(text);
    });
    const cap = d.capacity ? `${formatBytes(d.capacity.bytes)}${d.capacity.capBytes ? ` / ${formatBytes(d.capacity.capBytes)} cap` : ''}` : 'unreachable';
    lines.push(`${`${d.target.node}/${d.target.database}`.padEnd(24)} ${cells.join(' ')} ${d.capacity?.over ? p.red(cap + ' OVER CAP') : cap}`);
  }
  for (const problem of report.problems) lines.push(p.red('problem ') + problem);
  return lines;
}
