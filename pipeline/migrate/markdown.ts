// `migrate plan --markdown`: a pull-request comment. A summary table first, findings, then
// the statements per database folded in <details>. Kept under GitHub's 65,536-char limit.
import { planCounts } from './plan.js';
import { foldStatements, oneLine, rulesFired } from './plan-text.js';
import type { MigrationPlan } from './plan-types.js';

const LIMIT = 60_000;

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderPlanMarkdown(plan: MigrationPlan): string {
  const c = planCounts(plan);
  const errors = plan.findings.filter((f) => f.severity === 'error').length;
  const warnings = plan.findings.length - errors;
  const head: string[] = [];
  head.push(`### shardship migrate plan · \`${plan.environment}\``);
  head.push('');
  head.push(
    `${errors ? '❌' : warnings ? '⚠️' : '✅'} **${plan.migrations.length}** pending migration(s) · **${c.statements}** physical statement(s) · **${c.pendingDatabases}/${c.databases}** database(s) on **${c.nodes}** node(s) · ${errors} error(s), ${warnings} warning(s)`,
  );
  head.push('');
  if (plan.migrations.length) {
    head.push('| Migration | File | Statements | Databases |');
    head.push('|---|---|---:|---:|');
    for (const m of plan.migrations) {
      let statements = 0;
      let dbs = 0;
      for (const d of plan.databases) {
        const pm = d.migrations.find((x) => x.migration.version === m.version);
        if (!pm) continue;
        dbs++;
        statements += pm.statements.length;
      }
      head.push(`| V${cell(m.version)} ${cell(m.description)} | \`${cell(m.file)}\` | ${statements} | ${dbs} |`);
    }
    head.push('');
  }
  if (plan.findings.length) {
    const fired = [...rulesFired(plan)].map(([id, r]) => `\`${id}\` ×${r.count}`).join(', ');
    head.push(`**Lint** (${fired})`);
    head.push('');
    head.push('| | Rule | Where | Message |');
    head.push('|---|---|---|---|');
    for (const f of plan.findings) head.push(`| ${f.severity === 'error' ? '❌' : '⚠️'} | \`${f.ruleId}\` | \`${cell(f.file)}:${f.line}\` | ${cell(f.message)} |`);
    head.push('');
  }
  const details: string[] = [];
  details.push('<details><summary>Statements per node and database</summary>');
  details.push('');
  details.push('| Node | Database | Migrations | Statements |');
  details.push('|---|---|---:|---:|');
  for (const d of plan.databases) {
    const n = d.migrations.reduce((s, m) => s + m.statements.length, 0);
    details.push(`| ${cell(d.target.node)} | ${cell(d.target.database)} | ${d.migrations.length} | ${n} |`);
  }
  details.push('');
  for (const d of plan.databases) {
    if (!d.migrations.some((m) => m.statements.length)) continue;
    details.push(`**${d.target.node} / ${d.target.database}**`);
    details.push('');
    details.push('```sql');
    for (const m of d.migrations) {
      details.push(`-- V${m.migration.version} ${m.migration.description}`);
      for (const f of foldStatements(m.statements)) {
        const times = f.physicalTables.length > 1 ? `  -- × ${f.physicalTables.length}: ${f.physicalTables[0]}..${f.physicalTables[f.physicalTables.length - 1]}` : '';
        details.push(`${oneLine(f.sql, 300).replace(/```/g, "'''")};${times}`);
      }
    }
    details.push('```');
    details.push('');
  }
  details.push('</details>');
  let text = head.join('\n') + '\n' + details.join('\n') + '\n';
  if (text.length > LIMIT) {
    text = head.join('\n') + '\n<details><summary>Statements per database</summary>\n\nToo many to show here: run `shardship migrate plan` for the full list.\n\n</details>\n';
  }
  return text;
}
