// A self-contained HTML report (no scripts, no external assets): the pipeline's tables and
// the rollout charts inline, for the demo and as a workflow artifact.
import type { PipelineReport } from './types.js';
import { rolloutChartSvg } from './svg.js';

export const escapeHtml = (s: string | number | undefined): string =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

function table(header: string[], rows: (string | number | undefined)[][]): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

export function htmlReport(p: PipelineReport): string {
  const body: string[] = [`<h1>${escapeHtml(p.title)}</h1>`];
  if (p.gate) {
    body.push(
      `<h2>Gate: ${p.gate.passed ? 'passed' : 'failed'} <small>${escapeHtml(p.gate.range)}</small></h2>`,
      p.gate.findings.length
        ? table(['severity', 'rule', 'where', 'message'], p.gate.findings.map((f) => [f.severity, f.ruleId, f.file ? `${f.file}:${f.line ?? ''}` : (f.commit ?? ''), f.message]))
        : '<p>No findings.</p>',
    );
  }
  if (p.build) {
    body.push('<h2>Build</h2>', table(['image', 'digest', 'tags', 'pushed'], [[p.build.image, p.build.digest, p.build.tags.join(', '), p.build.pushed ? 'yes' : 'no']]));
  }
  for (const m of p.migrations ?? []) {
    const versions = m.plan.migrations.map((x) => x.version);
    const rows = m.plan.databases.map((db) => [
      db.target.node,
      db.target.database,
      ...versions.map((v) => m.results?.find((r) => r.database === db.target.database && r.node === db.target.node && r.version === v)?.status ?? 'planned'),
    ]);
    body.push(`<h2>Migrations: ${escapeHtml(m.environment)}</h2>`, versions.length ? table(['node', 'database', ...versions], rows) : '<p>No pending migrations.</p>');
  }
  for (const r of p.releases ?? []) {
    body.push(
      `<h2>Release ${escapeHtml(r.app)}${r.environment ? ` → ${escapeHtml(r.environment)}` : ''}: ${escapeHtml(r.state)}</h2>`,
      table(['#', 'step', 'weight', 'status', 'note'], r.steps.map((s, i) => [i + 1, s.name, s.weight === undefined ? '' : `${s.weight}%`, s.status, s.note])),
      `<figure>${rolloutChartSvg(r.samples, { title: `${r.app} rollout`, maxErrorRate: r.maxErrorRate })}</figure>`,
    );
  }
  for (const s of p.sections ?? []) body.push(`<h2>${escapeHtml(s.title)}</h2>`, table(s.header, s.rows));
  for (const n of p.notes ?? []) body.push(`<p class="note">${escapeHtml(n)}</p>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(p.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#24292f}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left}
th{background:#f6f8fa}.note{color:#57606a;font-style:italic}
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
