// What `migrate apply` will do in each physical database, decided before anything runs: from
// the migration plan and each database's history, which migrations run, resume, are skipped or
// refused, which databases are up to date, and in which wave the rest go. Pure; apply.ts
// executes it and `migrate apply --dry-run` prints it.
import { decideMigration, type HistoryRow } from './history.js';
import type { DatabasePlan, MigrationPlan } from './plan-types.js';
import type { ShardTarget } from '../core/shards.js';

/** One database's history as read before the run (no lock): its rows, or why it could not be read. */
export type HistoryRead =
  /** `rows` undefined: the history table does not exist yet (nothing applied). */
  | { rows: HistoryRow[] | undefined }
  | { error: string; unreachable: boolean };

/** What happens to one planned migration in one database. */
export type MigrationStep = { version: string; file: string; statements: number } & (
  | { action: 'skip' }
  | { action: 'run' }
  /** A failed or interrupted run: statement `from` may have half-run; its effect is checked first. */
  | { action: 'resume'; from: number }
  | { action: 'refuse'; reason: string }
);

export type DatabaseDecision =
  /** Has migrations to run or resume. */
  | 'apply'
  | 'up-to-date'
  /** An applied migration's file changed: the whole run stops before anything runs. */
  | 'refused'
  /** The history could not be read (node down, no access). */
  | 'unreadable'
  /** Would apply, but the run stops before it starts (a refusal elsewhere, --stop-on-error). */
  | 'skipped';

export interface DatabaseApplyPlan {
  target: ShardTarget;
  decision: DatabaseDecision;
  /** Wave it runs in (0 is the canary wave when there is one); databases that do not run are in 0. */
  wave: number;
  /** The migrations in plan order, each with its step. */
  migrations: MigrationStep[];
  /** Statements to run: of migrations that run, all; of resumed ones, from the resume point. */
  statementsToRun: number;
  error?: string;
  /** With decision 'unreadable': the node did not answer (vs. an error from a node that did). */
  unreachable?: boolean;
}

export interface ApplyPlan {
  environment: string;
  /** Database names per wave, in the order they start (spread over nodes). */
  waves: string[][];
  databases: DatabaseApplyPlan[];
  /** Why the run stops before any statement runs, if it does. */
  stopped?: string;
}

export interface ApplyPlanOptions {
  /** Apply to this many databases first, then the rest. */
  canary?: number;
  /** Start nothing when any history could not be read. */
  stopOnError?: boolean;
}

/** The steps of one database given its history; also used under the database lock, where the history is re-read. */
export function planDatabase(db: DatabasePlan, rows: HistoryRow[] | undefined): Pick<DatabaseApplyPlan, 'decision' | 'migrations' | 'statementsToRun' | 'error'> {
  const history = new Map((rows ?? []).map((r) => [r.version, r]));
  const migrations = db.migrations.map(({ migration: m, statements }): MigrationStep => {
    const base = { version: m.version, file: m.file, statements: statements.length };
    const a = decideMigration(m, statements.length, history.get(m.version));
    if (a.kind === 'resume') return { ...base, action: 'resume', from: a.from };
    if (a.kind === 'refuse') return { ...base, action: 'refuse', reason: a.reason };
    return { ...base, action: a.kind };
  });
  const statementsToRun = migrations.reduce((n, m) => n + (m.action === 'run' ? m.statements : m.action === 'resume' ? m.statements - m.from : 0), 0);
  const refused = migrations.flatMap((m) => (m.action === 'refuse' ? [m.reason] : []));
  if (refused.length > 0) return { decision: 'refused', migrations, statementsToRun, error: refused.join('; ') };
  if (migrations.every((m) => m.action === 'skip')) return { decision: 'up-to-date', migrations, statementsToRun };
  return { decision: 'apply', migrations, statementsToRun };
}

/** The whole run: every database's steps, whether the run stops before it starts, and the waves. */
export function planApply(plan: MigrationPlan, histories: ReadonlyMap<string, HistoryRead>, opts: ApplyPlanOptions = {}): ApplyPlan {
  const databases: DatabaseApplyPlan[] = plan.databases.map((db) => {
    const read = histories.get(db.target.database) ?? { error: 'history not read', unreachable: false };
    if ('error' in read) return { target: db.target, decision: 'unreadable', wave: 0, migrations: [], statementsToRun: 0, error: read.error, unreachable: read.unreachable };
    return { target: db.target, wave: 0, ...planDatabase(db, read.rows) };
  });
  const out: ApplyPlan = { environment: plan.environment, waves: [], databases };
  const pending = databases.filter((d) => d.decision === 'apply');
  const stopBeforeStart = (reason: string): ApplyPlan => {
    for (const d of pending) d.decision = 'skipped';
    return { ...out, stopped: reason };
  };
  if (databases.some((d) => d.decision === 'refused')) return stopBeforeStart('an applied migration changed (checksum mismatch): nothing was applied');
  const unreadable = databases.filter((d) => d.decision === 'unreadable');
  if (opts.stopOnError && unreadable.length > 0) {
    return stopBeforeStart(`--stop-on-error: ${unreadable.map((d) => `${d.target.database} ${d.unreachable ? 'unreachable' : 'failed'}`).join(', ')} before anything ran`);
  }
  const waves = planWaves(pending, opts.canary);
  waves.forEach((wave, w) => wave.forEach((d) => (d.wave = w)));
  return { ...out, waves: waves.map((w) => w.map((d) => d.target.database)) };
}

/** Order databases so consecutive ones sit on different nodes: the global limit spreads over nodes. */
export function interleaveByNode<T extends { target: ShardTarget }>(dbs: T[]): T[] {
  const byNode = new Map<string, T[]>();
  for (const d of dbs) byNode.set(d.target.node, [...(byNode.get(d.target.node) ?? []), d]);
  const queues = [...byNode.values()];
  const out: T[] = [];
  for (let i = 0; out.length < dbs.length; i++) {
    for (const q of queues) {
      const d = q[i];
      if (d) out.push(d);
    }
  }
  return out;
}

/** Split into waves: the first `canary` databases (spread over nodes), then the rest. */
export function planWaves<T extends { target: ShardTarget }>(dbs: T[], canary: number | undefined): T[][] {
  const ordered = interleaveByNode(dbs);
  if (!canary || canary <= 0 || canary >= ordered.length) return [ordered];
  return [ordered.slice(0, canary), ordered.slice(canary)];
}
