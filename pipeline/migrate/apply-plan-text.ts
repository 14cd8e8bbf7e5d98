// `migrate apply --dry-run` for people: the run in one summary line, its waves, then per
// database what it would do with each migration.
import type { Painter } from '../core/output.js';
import type { ApplyPlan, DatabaseApplyPlan, MigrationStep } from './apply-plan.js';

/** Exit code of a dry run: 1 when the real run would stop or leave a database out (refused, unreadable). */
export function applyPlanExitCode(plan: ApplyPlan): number {
  return plan.stopped || plan.databases.some((d) => d.decision === 'refused' || d.decision === 'unreadable') ? 1 : 0;
}

export function renderApplyPlan(plan: ApplyPlan, paint: Painter): string[] {
  const count = (decision: DatabaseApplyPlan['decision']) => plan.databases.filter((d) => d.decision === decision).length;
  const statements = plan.databases.filter((d) => d.decision === 'apply').reduce((n, d) => n + d.statementsToRun, 0);
  const lines = [
    paint.bold(`dry run of migrate apply on ${plan.environment}: nothing was changed`),
    `${plan.databases.length} databases: ${count('apply')} to apply (${statements} statements), ${count('up-to-date')} up to date, ${count('refused')} refused, ${count('unreadable')} unreadable, ${count('skipped')} skipped`,
  ];
  plan.waves.forEach((w, i) => lines.push(`wave ${i + 1}${plan.waves.length > 1 && i === 0 ? ' (canary)' : ''}: ${w.join(', ')}`));
  for (const d of plan.databases) {
    const where = `  ${d.target.node}/${d.target.database}`;
    if (d.decision === 'apply') lines.push(`${where}  ${paint.green('apply')} in wave ${d.wave + 1}: ${d.statementsToRun} statement(s)`);
    else if (d.decision === 'up-to-date') lines.push(`${where}  ${paint.dim('up to date')}`);
    else if (d.decision === 'skipped') lines.push(`${where}  ${paint.yellow('skipped')}: the run stops before it starts`);
    else lines.push(`${where}  ${paint.red(d.decision)}: ${d.error ?? ''}`);
    if (d.decision === 'up-to-date' || d.decision === 'unreadable') continue;
    for (const m of d.migrations) lines.push(`    V${m.version} ${describeStep(m)}`);
  }
  if (plan.stopped) lines.push(paint.red('would stop: ') + plan.stopped);
  return lines;
}

function describeStep(m: MigrationStep): string {
  switch (m.action) {
    case 'skip':
      return 'applied: skip';
    case 'run':
      return `run ${m.statements} statement(s)`;
    case 'resume':
      return `resume at statement ${m.from + 1} of ${m.statements} (checks whether it already took effect)`;
    case 'refuse':
      return `refused: ${m.reason}`;
  }
}
