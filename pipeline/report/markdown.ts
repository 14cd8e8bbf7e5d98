// Markdown job summaries and PR comments. Everything that came from a commit, a file or a
// user is escaped (`cell`): it is shown, never interpreted as HTML or table syntax.
import type { BuildReport, GateReport, MigrationStageReport, PipelineReport, ReleaseStageReport, ShardStepStatus } from './types.js';
import { rolloutChartSvg } from './svg.js';

const MAX_CELL = 300;

/** Make untrusted text safe inside a markdown table cell. */
export function cell(text: string | number | undefined): string {
  const s = String(text ?? '')
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, "'")
    // No accidental @mentions from commit text.
    .replace(/@(?=\w)/g, '@\u200b');
  return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s;
}

export function table(header: string[], rows: (string | number | undefined)[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

export function gateSummaryLines(g: GateReport): string[] {
  const errors = g.findings.filter((f) => f.severity === 'error').length;
  const warns = g.findings.length - errors;
  const lines = [
    `### Gate ${g.passed ? '✅ passed' : '❌ failed'} — ${cell(g.range)}`,
    '',
    `${errors} error(s), ${warns} warning(s).`,
  ];
  if (g.findings.length === 0) return lines;
  return [
    ...lines,
    '',
    ...table(
      ['severity', 'rule', 'where', 'message'],
      g.findings.map((f) => [
        f.severity,
        f.ruleId,
        f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : f.commit ? f.commit.slice(0, 12) : '',
        f.hint ? `${f.message} (${f.hint})` : f.message,
      ]),
    ),
  ];
}

export function buildSummaryLines(b: BuildReport): string[] {
  return [
    `### Build ${b.pushed ? '📦 pushed' : '🔨 built (not pushed)'}`,
    '',
    ...table(['image', 'digest', 'tags'], [[b.image, b.digest ?? '—', b.tags.join(', ')]]),
  ];
}

const SHARD_MARK: Record<ShardStepStatus, string> = { planned: '📝 planned', applied: '✅ applied', skipped: '⏭ skipped', failed: '❌ failed', pending: '⏳ pending' };

/** One row per physical database, one column per migration version. */
export function migrationMatrixLines(m: MigrationStageReport): string[] {
  const versions = m.plan.migrations.map((x) => x.version);
  const lines = [`### Migrations — ${cell(m.environment)}`, ''];
  if (versions.length === 0) lines.push('No pending migrations.');
  else {
    const rows = m.plan.databases.map((db) => {
      const cells = versions.map((v) => {
        const r = m.results?.find((x) => x.database === db.target.database && x.node === db.target.node && x.version === v);
        if (r) return `${SHARD_MARK[r.status]}${r.error ? `: ${r.error}` : ''}`;
        const planned = db.migrations.find((x) => x.migration.version === v);
        return planned ? `${SHARD_MARK.planned} (${planned.statements.length} stmt)` : '—';
      });
      return [db.target.node, db.target.database, ...cells];
    });
    lines.push(...table(['node', 'database', ...versions.map(cell)], rows));
  }
  if (m.plan.findings.length) {
    lines.push('', '**Migration lint**', '', ...table(['severity', 'rule', 'where', 'message'], m.plan.findings.map((f) => [f.severity, f.ruleId, `${f.file}:${f.line}`, f.message])));
  }
  return lines;
}

export function releaseSummaryLines(r: ReleaseStageReport): string[] {
  const lines = [
    `### Release ${cell(r.app)}${r.environment ? ` → ${cell(r.environment)}` : ''}: ${cell(r.state)}`,
    '',
    ...(r.image ? [`Image: \`${cell(r.image)}\``, ''] : []),
    ...table(
      ['#', 'step', 'weight', 'status', 'note'],
      r.steps.map((s, i) => [i + 1, s.name, s.weight === undefined ? '' : `${s.weight}%`, s.status, s.note ?? '']),
    ),
  ];
  if (r.samples.length >= 2) {
    // GitHub renders an inline data: image in job summaries; the SVG is self-contained.
    const svg = Buffer.from(rolloutChartSvg(r.samples, { maxErrorRate: r.maxErrorRate, title: `${r.app} rollout` })).toString('base64');
    lines.push('', `<img alt="${cell(r.app)} rollout: weight and error rate over time" src="data:image/svg+xml;base64,${svg}">`);
    // Where data: images are not shown, GitHub still renders mermaid charts.
    lines.push('', ...rolloutMermaid(r));
  }
  return lines;
}

/** The same chart as a mermaid xychart: canary weight % and error rate % per sample. */
export function rolloutMermaid(r: ReleaseStageReport): string[] {
  const pts = [...r.samples].sort((a, b) => a.t - b.t).slice(-60);
  const t0 = pts[0]?.t ?? 0;
  const round = (n: number) => Math.round(n * 100) / 100;
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${r.app.replace(/[^a-zA-Z0-9 ._-]/g, '')} rollout: weight % (first line), error rate % (second)"`,
    `  x-axis "seconds" [${pts.map((p) => Math.round((p.t - t0) / 1000)).join(', ')}]`,
    '  y-axis "percent" 0 --> 100',
    `  line [${pts.map((p) => round(p.weight)).join(', ')}]`,
    `  line [${pts.map((p) => round(p.errorRate * 100)).join(', ')}]`,
    '```',
  ];
}

export function pipelineSummary(p: PipelineReport): string {
  const lines = [`## ${cell(p.title)}`, ''];
  if (p.gate) lines.push(...gateSummaryLines(p.gate), '');
  if (p.build) lines.push(...buildSummaryLines(p.build), '');
  for (const m of p.migrations ?? []) lines.push(...migrationMatrixLines(m), '');
  for (const r of p.releases ?? []) lines.push(...releaseSummaryLines(r), '');
  for (const n of p.notes ?? []) lines.push(`> ${cell(n)}`);
  return lines.join('\n');
}
