// `migrate plan` for people: node -> database -> migration -> statements, with counts and
// the lint rules that fired. Physical copies of one source statement are folded into one
// line (`× 16`) so a 256-table plan stays readable.
import type { Painter } from '../core/output.js';
import { planCounts } from './plan.js';
import type { DatabasePlan, MigrationPlan, PhysicalStatement } from './plan-types.js';

export interface FoldedStatement {
  sourceStatement: number;
  sourceLine: number;
  logicalTable: string;
  physicalTables: string[];
  /** The first physical statement, as an example. */
  sql: string;
}

/** Fold a database's physical statements per source statement. */
export function foldStatements(statements: readonly PhysicalStatement[]): FoldedStatement[] {
  const out: FoldedStatement[] = [];
  for (const s of statements) {
    const last = out[out.length - 1];
    if (last && last.sourceStatement === s.sourceStatement) last.physicalTables.push(s.physicalTable);
    else out.push({ sourceStatement: s.sourceStatement, sourceLine: s.sourceLine, logicalTable: s.logicalTable, physicalTables: [s.physicalTable], sql: s.sql });
  }
  return out;
}

export function oneLine(sql: string, max = 100): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function rulesFired(plan: MigrationPlan): Map<string, { severity: 'error' | 'warn'; count: number }> {
  const fired = new Map<string, { severity: 'error' | 'warn'; count: number }>();
  for (const f of plan.findings) {
    const cur = fired.get(f.ruleId);
    fired.set(f.ruleId, { severity: cur?.severity === 'error' || f.severity === 'error' ? 'error' : 'warn', count: (cur?.count ?? 0) + 1 });
  }
  return fired;
}

function databaseStatements(d: DatabasePlan): number {
  return d.migrations.reduce((sum, m) => sum + m.statements.length, 0);
}

export function renderPlanText(plan: MigrationPlan, paint: Painter): string[] {
  const c = planCounts(plan);
  const lines: string[] = [];
  lines.push(
    paint.bold(`Migration plan for ${plan.environment}`) +
      `: ${plan.migrations.length} pending migration(s), ${c.statements} physical statement(s) in ${c.pendingDatabases}/${c.databases} database(s) on ${c.nodes} node(s)`,
  );
  const byNode = new Map<string, DatabasePlan[]>();
  for (const d of plan.databases) byNode.set(d.target.node, [...(byNode.get(d.target.node) ?? []), d]);
  for (const [node, dbs] of byNode) {
    const total = dbs.reduce((s, d) => s + databaseStatements(d), 0);
    lines.push(`${paint.cyan(`node ${node}`)}  ${total} statement(s)`);
    for (const d of dbs) {
      if (!d.migrations.length) {
        lines.push(`  ${d.target.database}  ${paint.dim('up to date')}`);
        continue;
      }
      lines.push(`  ${paint.bold(d.target.database)}  ${databaseStatements(d)} statement(s)`);
      for (const m of d.migrations) {
        lines.push(`    V${m.migration.version} ${m.migration.description}  ${m.statements.length} statement(s)`);
        for (const f of foldStatements(m.statements)) {
          const times = f.physicalTables.length > 1 ? ` × ${f.physicalTables.length} (${f.physicalTables[0]}..${f.physicalTables[f.physicalTables.length - 1]})` : '';
          lines.push(`      ${paint.dim(`${m.migration.file}:${f.sourceLine}`)} ${oneLine(f.sql)}${times}`);
        }
        if (!m.statements.length) lines.push(`      ${paint.dim('(nothing runs here; recorded as applied)')}`);
      }
    }
  }
  if (plan.findings.length) {
    lines.push(paint.bold('Lint findings'));
    for (const f of plan.findings) {
      const sev = f.severity === 'error' ? paint.red('error') : paint.yellow('warn ');
      lines.push(`  ${f.file}:${f.line} ${sev} ${f.ruleId} ${f.message}`);
    }
    const fired = [...rulesFired(plan)].map(([id, r]) => `${id} ×${r.count}`);
    lines.push(`Rules fired: ${fired.join(', ')}`);
  } else {
    lines.push(paint.green('No lint findings.'));
  }
  return lines;
}
