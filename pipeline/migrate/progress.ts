// Progress for people: on a TTY one bar per node, redrawn in place; in CI (no TTY) one plain
// line per database as it finishes, plus retries and verification results.
import type { Output } from '../core/output.js';
import type { DatabaseReport, ProgressEvent } from './apply.js';
import type { CopyProgress } from './online-schema-change.js';

export function formatDatabaseLine(r: DatabaseReport): string {
  const where = `${r.target.node}/${r.target.database}`;
  const secs = (r.durationMs / 1000).toFixed(1);
  const resumed = r.migrations.filter((m) => m.action === 'resumed').length;
  const extra = [r.lockRetries ? `${r.lockRetries} lock retries` : '', resumed ? `${resumed} resumed` : ''].filter(Boolean).join(', ');
  const head = `${where.padEnd(24)} ${r.outcome.padEnd(10)} ${String(r.statementsRun).padStart(4)} statements  ${secs}s${extra ? `  (${extra})` : ''}`;
  return r.error ? `${head}\n    ${r.error}` : head;
}

/** One CI line per progress report of a table copy (pt-online-schema-change). */
export function formatCopyLine(p: CopyProgress): string {
  return `${`${p.target.node}/${p.target.database}`.padEnd(24)} copying ${p.table} ${p.percent}%${p.remaining ? ` (${p.remaining})` : ''}`;
}

export function bar(done: number, total: number, width = 24): string {
  const f = total === 0 ? width : Math.round((done / total) * width);
  return '█'.repeat(f) + '░'.repeat(width - f);
}

export interface ProgressSink {
  onProgress(e: ProgressEvent): void;
  /** Draw the final state (TTY) and stop redrawing. */
  finish(): void;
}

export function progressReporter(output: Output, write: (s: string) => void = (s) => process.stderr.write(s)): ProgressSink {
  if (!output.isTTY) {
    return {
      onProgress(e) {
        if (e.type === 'database-done') output.err(formatDatabaseLine(e.report));
        else if (e.type === 'retry') output.err(`${e.target.node}/${e.target.database}: lock wait, retry ${e.attempt}`);
        else if (e.type === 'verify') output.err(`verify ${e.phase}: ${e.report.ok ? 'no drift' : 'DRIFT'}`);
        else if (e.type === 'copy') output.err(formatCopyLine(e.progress));
      },
      finish() {},
    };
  }
  const nodes = new Map<string, { done: number; total: number; dbs: number; dbsDone: number; failed: number }>();
  // Table copies in flight (online schema change), per node: `db.table` -> percent.
  const copies = new Map<string, Map<string, number>>();
  const lastDone = new Map<string, number>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    let s = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const [name, n] of nodes) {
      const fail = n.failed ? output.paint.red(` ${n.failed} failed`) : '';
      const copying = [...(copies.get(name) ?? [])].map(([t, pct]) => `${t} ${pct}%`).join(', ');
      s += `\x1b[2K${name.padEnd(8)} ${bar(n.done, n.total)} ${n.done}/${n.total} statements, ${n.dbsDone}/${n.dbs} databases${fail}${copying ? `  copying ${copying}` : ''}\n`;
    }
    drawn = nodes.size;
    write(s);
  };
  const schedule = () => {
    timer ??= setTimeout(draw, 100);
  };
  return {
    onProgress(e) {
      if (e.type === 'start') {
        for (const d of e.databases) {
          const n = nodes.get(d.target.node) ?? { done: 0, total: 0, dbs: 0, dbsDone: 0, failed: 0 };
          n.total += d.statements;
          n.dbs++;
          nodes.set(d.target.node, n);
        }
        draw();
      } else if (e.type === 'statement') {
        const n = nodes.get(e.target.node);
        const key = e.target.database;
        if (n) n.done += e.done - (lastDone.get(key) ?? 0);
        lastDone.set(key, e.done);
        schedule();
      } else if (e.type === 'copy') {
        const { target, table, percent } = e.progress;
        const node = copies.get(target.node) ?? new Map<string, number>();
        if (percent >= 100) node.delete(`${target.database}.${table}`);
        else node.set(`${target.database}.${table}`, percent);
        copies.set(target.node, node);
        schedule();
      } else if (e.type === 'database-done') {
        for (const key of copies.get(e.report.target.node)?.keys() ?? []) if (key.startsWith(`${e.report.target.database}.`)) copies.get(e.report.target.node)!.delete(key);
        const n = nodes.get(e.report.target.node);
        if (n) {
          n.dbsDone++;
          if (e.report.outcome !== 'applied' && e.report.outcome !== 'up-to-date') n.failed++;
        }
        schedule();
      }
    },
    finish() {
      if (timer) clearTimeout(timer);
      if (nodes.size > 0) draw();
    },
  };
}
