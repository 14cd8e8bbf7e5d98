// The executor: applies a MigrationPlan to every physical database, in parallel (a global and a
// per-node limit), in waves (canary first), resumable, and never twice (history + GET_LOCK).
import pLimit from 'p-limit';
import { durationMs } from '../config/common.js';
import type { MigrateConfig } from '../config/migrate.js';
import { type ShardConnection, type ShardConnector, ShardError, type ShardTarget } from '../core/shards.js';
import { checkEffect, statementEffect } from './effects.js';
import { markFinished, markRunning, progressSql, readHistory, ensureHistoryTable } from './history.js';
import { planApply, planDatabase, type ApplyPlan, type DatabaseApplyPlan, type HistoryRead } from './apply-plan.js';
import { acquireDatabaseLock, releaseDatabaseLock } from './locks.js';
import { chooseAlgorithms, copyRefusal } from './online-ddl.js';
import { errorObject, statementWhere } from './statement-errors.js';
import { copyAlterSpecs, type CopyProgress, type OnlineSchemaChanger } from './online-schema-change.js';
import type { DatabasePlan, MigrationPlan, PhysicalStatement, PlannedMigration } from './plan-types.js';
import { runOnNodes } from './schedule.js';
import { compareCollected, copiesFromPlan, physicalIndex, readTableDdls, verifySchemas, type CollectedDdl, type DriftReport, type LogicalTableCopies } from './verify.js';

export type DatabaseOutcome = 'applied' | 'up-to-date' | 'failed' | 'refused' | 'locked' | 'unreachable' | 'skipped';

export interface MigrationReport {
  version: string;
  action: 'skipped' | 'applied' | 'resumed' | 'failed' | 'refused';
  statementsRun: number;
  /** Statements found already in effect on resume (a crash hit between the DDL and its history update). */
  statementsAlreadyApplied: number;
  durationMs: number;
  error?: string;
}

export interface DatabaseReport {
  target: ShardTarget;
  outcome: DatabaseOutcome;
  wave: number;
  migrations: MigrationReport[];
  statementsRun: number;
  /** Lock-wait retries (another transaction held a metadata lock). */
  lockRetries: number;
  /** How the DDL ran: INSTANT / INPLACE / COPY / AS_WRITTEN -> count. */
  algorithms: Record<string, number>;
  durationMs: number;
  error?: string;
  failedStatement?: { version: string; index: number; sourceLine: number; physicalTable: string };
}

export interface MigrationRun {
  environment: string;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  waves: string[][];
  databases: DatabaseReport[];
  verifyBefore?: DriftReport;
  verifyCanary?: DriftReport;
  verifyAfter?: DriftReport;
  /** Why the run stopped early, if it did (canary failed, --stop-on-error). */
  stopped?: string;
}

export type ProgressEvent =
  | { type: 'start'; databases: { target: ShardTarget; statements: number }[] }
  | { type: 'database-start'; target: ShardTarget; statements: number }
  | { type: 'statement'; target: ShardTarget; done: number; total: number }
  | { type: 'retry'; target: ShardTarget; attempt: number; reason: string }
  | { type: 'copy'; progress: CopyProgress }
  | { type: 'database-done'; report: DatabaseReport }
  | { type: 'verify'; phase: 'before' | 'canary' | 'after'; report: DriftReport };

export type ExecutorConfig = Pick<MigrateConfig, 'concurrency' | 'nodeConcurrency' | 'lockWaitTimeout' | 'lockRetries' | 'allowCopyAlter'>;

export interface ApplyOptions {
  connections: ShardConnector;
  config: ExecutorConfig;
  /** Per-node connection limits from the topology (nodes.<n>.concurrency). */
  nodeConcurrency?: Record<string, number | undefined>;
  canary?: number;
  stopOnError?: boolean;
  appliedBy: string;
  onProgress?: (e: ProgressEvent) => void;
  /** How long a second run waits for the per-database lock. */
  lockTimeoutSeconds?: number;
  /** Schema drift check around the apply (default: before and after). */
  verify?: 'before-after' | 'after' | 'off';
  /**
   * Every logical table's physical copies, as `migrate verify` reads them (copiesFromTopology).
   * The after-check compares every copy of each table the plan touches, in every database,
   * with verify's own function. Without it, the copies the plan names.
   */
  tables?: LogicalTableCopies[];
  /** migrate.onlineSchemaChange: runs an ALTER that only a table copy can do (else it is refused). */
  onlineSchemaChange?: OnlineSchemaChanger;
  /**
   * Optional port: called on the database's locked session before each statement runs (the
   * backup stage snapshots the tables a destructive statement touches here). A throw fails the
   * statement before it runs.
   */
  beforeStatement?: (conn: ShardConnection, migration: PlannedMigration, statement: PhysicalStatement, statements: readonly PhysicalStatement[]) => Promise<void>;
}

interface Job {
  db: DatabasePlan;
  statements: number;
  wave: number;
}

/** One migration in one database, as the executor runs it. */
interface MigrationJob {
  conn: ShardConnection;
  job: Job;
  migration: PlannedMigration;
  statements: PhysicalStatement[];
  /** The plan's resume point (statements_done), or undefined to run from the first statement. */
  resumeFrom: number | undefined;
  /** The database's report, counted into as statements run. */
  report: DatabaseReport;
  /** Statements of earlier migrations in this database (progress events count on from here). */
  doneBefore: number;
}

class StatementFailure extends Error {
  constructor(
    message: string,
    readonly statement: PhysicalStatement,
    readonly version: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function statementCount(db: DatabasePlan): number {
  return db.migrations.reduce((n, m) => n + m.statements.length, 0);
}

/** Read every database's history (no locks, read-only) and decide what the run does: `migrate apply --dry-run`. */
export async function planApplyRun(plan: MigrationPlan, opts: Pick<ApplyOptions, 'connections' | 'config' | 'canary' | 'stopOnError'>): Promise<ApplyPlan> {
  return planApply(plan, await readHistories(plan, opts.connections, opts.config.concurrency), {
    ...(opts.canary !== undefined ? { canary: opts.canary } : {}),
    ...(opts.stopOnError !== undefined ? { stopOnError: opts.stopOnError } : {}),
  });
}

async function readHistories(plan: MigrationPlan, connections: ShardConnector, concurrency: number): Promise<Map<string, HistoryRead>> {
  const limit = pLimit(concurrency);
  const histories = new Map<string, HistoryRead>();
  await Promise.all(
    plan.databases.map((db) =>
      limit(async () => {
        let conn: ShardConnection | undefined;
        try {
          conn = await connections.connect(db.target);
          histories.set(db.target.database, { rows: await readHistory(conn) });
        } catch (e) {
          histories.set(db.target.database, { error: errorText(e), unreachable: e instanceof ShardError && e.nodeDown });
        } finally {
          await conn?.close();
        }
      }),
    ),
  );
  return histories;
}

export async function applyMigrations(plan: MigrationPlan, opts: ApplyOptions): Promise<MigrationRun> {
  const started = Date.now();
  // Phase 1 (no locks): read every history, so that an edited applied migration stops the whole
  // run before any shard changes, and up-to-date databases are not even locked.
  const applyPlan = await planApplyRun(plan, opts);
  return executeApplyPlan(plan, applyPlan, opts, started);
}

/** Carry out an ApplyPlan: the databases it sends to waves, in its waves; the rest are reported as it decided. */
async function executeApplyPlan(plan: MigrationPlan, applyPlan: ApplyPlan, opts: ApplyOptions, started: number): Promise<MigrationRun> {
  const emit = opts.onProgress ?? (() => undefined);
  const verifyMode = opts.verify ?? 'before-after';
  const run: MigrationRun = { environment: plan.environment, startedAt: new Date(started).toISOString(), durationMs: 0, ok: false, waves: [], databases: [] };
  const reports = new Map<string, DatabaseReport>();
  for (const d of applyPlan.databases) {
    const report = reportBeforeRun(d);
    if (report) reports.set(d.target.database, report);
  }
  const byName = new Map(plan.databases.map((d) => [d.target.database, d]));
  const waves = applyPlan.waves.map((w) => w.map((name) => byName.get(name)!));
  const pending = waves.flat();

  const finish = (): MigrationRun => {
    run.databases = plan.databases.map((d) => reports.get(d.target.database)!).filter(Boolean);
    run.durationMs = Date.now() - started;
    run.ok = !run.stopped && run.databases.every((d) => d.outcome === 'applied' || d.outcome === 'up-to-date') && (run.verifyAfter?.ok ?? true) && (run.verifyCanary?.ok ?? true);
    return run;
  };

  if (applyPlan.stopped) {
    run.stopped = applyPlan.stopped;
    return finish();
  }

  // Verification reads each database's DDL inside its own job, on its already-open locked
  // session, right before its first statement and right after its last: no extra pass over
  // the shards, and the reads overlap other databases' DDL.
  const collect = { before: verifyMode === 'before-after' ? new Map<string, string | null>() : undefined, after: verifyMode === 'off' ? undefined : new Map<string, string | null>() };
  const touched = new Set(plan.databases.flatMap((d) => d.migrations.flatMap((m) => m.statements.map((st) => st.logicalTable))));
  const afterCopies = (opts.tables ?? copiesFromPlan(plan)).filter((t) => touched.has(t.logicalTable));
  const names = physicalIndex(opts.tables ?? afterCopies);

  run.waves = applyPlan.waves;
  emit({ type: 'start', databases: pending.map((d) => ({ target: d.target, statements: statementCount(d) })) });

  // The next free slot goes to the node with the most time left (schedule.ts), not the next in line.
  const limits = { global: opts.config.concurrency, nodeLimit: (node: string) => opts.nodeConcurrency?.[node] ?? opts.config.nodeConcurrency };
  const executor = new Executor(opts, emit, collect);

  for (let w = 0; w < waves.length; w++) {
    const wave = waves[w]!;
    if (run.stopped) {
      for (const db of wave) reports.set(db.target.database, skipped(db.target, w));
      continue;
    }
    await runOnNodes(wave, limits, async (db) => {
      if (run.stopped) {
        reports.set(db.target.database, skipped(db.target, w));
        return;
      }
      const report = await executor.applyDatabase({ db, statements: statementCount(db), wave: w });
      reports.set(db.target.database, report);
      emit({ type: 'database-done', report });
      if (opts.stopOnError && report.outcome !== 'applied' && report.outcome !== 'up-to-date') {
        run.stopped = `--stop-on-error: ${db.target.database} ${report.outcome}`;
      }
    });
    const isCanary = waves.length > 1 && w === 0;
    if (isCanary && !run.stopped) {
      const failed = wave.filter((d) => reports.get(d.target.database)?.outcome !== 'applied');
      if (failed.length > 0) run.stopped = `canary failed on ${failed.map((d) => d.target.database).join(', ')}: the other databases were not touched`;
      else if (collect.after) {
        run.verifyCanary = compareCollected(copiesFromPlan(plan, new Set(wave.map((d) => d.target.database))), collect.after, [], names);
        emit({ type: 'verify', phase: 'canary', report: run.verifyCanary });
        if (!run.verifyCanary.ok) run.stopped = 'canary databases drift from each other after the migration: the other databases were not touched';
      }
    }
  }

  if (collect.before && pending.length > 0) {
    const read = new Set([...collect.before.keys()].map((k) => k.slice(0, k.indexOf('.'))));
    run.verifyBefore = compareCollected(copiesFromPlan(plan, read), collect.before, [], names);
    emit({ type: 'verify', phase: 'before', report: run.verifyBefore });
  }
  if (collect.after && pending.length > 0) {
    // The same check as `migrate verify`, over the same copies: every copy of every table the
    // plan touches, in every database, failed ones included (a half-applied database IS drift).
    // Databases whose copies were all read at the end of their job are not read again.
    const skip = new Set<string>();
    for (const db of plan.databases) {
      const keys = afterCopies.flatMap((t) => t.copies.filter((c) => c.database === db.target.database).map((c) => `${c.database}.${c.table}`));
      if (keys.every((k) => collect.after!.has(k))) skip.add(db.target.database);
    }
    run.verifyAfter = await verifySchemas(afterCopies, { connections: opts.connections, concurrency: opts.config.concurrency, collected: collect.after, skipDatabases: skip, names });
    emit({ type: 'verify', phase: 'after', report: run.verifyAfter });
  }
  return finish();
}

/** How often deferred progress is written to the history row. */
export const PROGRESS_FLUSH_MS = 500;

/**
 * Which statements may have their history update deferred: DDL whose effect can be read back
 * from the catalog, on a physical table no other statement of the migration touches (so that
 * "its effect is there" can only mean "it ran"). Pure.
 */
export function deferrableProgress(statements: PhysicalStatement[]): boolean[] {
  const uses = new Map<string, number>();
  for (const st of statements) uses.set(st.physicalTable.toLowerCase(), (uses.get(st.physicalTable.toLowerCase()) ?? 0) + 1);
  return statements.map((st) => {
    if (st.kind !== 'ddl' || uses.get(st.physicalTable.toLowerCase()) !== 1) return false;
    const effect = statementEffect(st.sql);
    return effect.kind === 'checkable' && effect.checks.every((c) => c.table.toLowerCase() === st.physicalTable.toLowerCase());
  });
}

/** The report of a database the plan does not send to a wave (undefined for those it does). */
function reportBeforeRun(d: DatabaseApplyPlan): DatabaseReport | undefined {
  const base = { target: d.target, wave: 0, migrations: [], statementsRun: 0, lockRetries: 0, algorithms: {}, durationMs: 0 };
  switch (d.decision) {
    case 'apply':
      return undefined;
    case 'up-to-date':
      return { ...base, outcome: 'up-to-date' };
    case 'skipped':
      return skipped(d.target, 0);
    case 'unreadable':
      return { ...base, outcome: d.unreachable ? 'unreachable' : 'failed', ...(d.error !== undefined ? { error: d.error } : {}) };
    case 'refused':
      return {
        ...base,
        outcome: 'refused',
        ...(d.error !== undefined ? { error: d.error } : {}),
        migrations: d.migrations.filter((m) => m.action === 'refuse').map((m) => ({ version: m.version, action: 'refused', statementsRun: 0, statementsAlreadyApplied: 0, durationMs: 0 })),
      };
  }
}

function skipped(target: ShardTarget, wave: number): DatabaseReport {
  return { target, outcome: 'skipped', wave, migrations: [], statementsRun: 0, lockRetries: 0, algorithms: {}, durationMs: 0 };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class Executor {
  /** First ALTER algorithm that worked for a change shape on a node: later shards start there. */
  private readonly learned = new Map<string, number>();
  private readonly lockWaitSeconds: number;

  constructor(
    private readonly opts: ApplyOptions,
    private readonly emit: (e: ProgressEvent) => void,
    private readonly collect: { before: CollectedDdl | undefined; after: CollectedDdl | undefined },
  ) {
    this.lockWaitSeconds = Math.max(1, Math.round(durationMs(opts.config.lockWaitTimeout) / 1000));
  }

  async applyDatabase(job: Job): Promise<DatabaseReport> {
    const { db } = job;
    const started = Date.now();
    const report: DatabaseReport = { target: db.target, outcome: 'applied', wave: job.wave, migrations: [], statementsRun: 0, lockRetries: 0, algorithms: {}, durationMs: 0 };
    this.emit({ type: 'database-start', target: db.target, statements: job.statements });
    let conn: ShardConnection | undefined;
    let done = 0;
    try {
      conn = await this.opts.connections.connect(db.target);
      const lock = await acquireDatabaseLock(conn, this.opts.lockTimeoutSeconds ?? 10);
      if (!lock.acquired) return { ...report, outcome: 'locked', error: lock.message, durationMs: Date.now() - started };
      // lock_wait_timeout bounds how long a DDL waits for a metadata lock, so that it cannot
      // queue every later query on the table behind a long transaction; innodb_lock_wait_timeout
      // does the same for row locks met by DML.
      await conn.execute(`SET SESSION lock_wait_timeout = ${this.lockWaitSeconds}, innodb_lock_wait_timeout = ${this.lockWaitSeconds}`);
      // Re-read under the lock: the authoritative state (another run may have just finished).
      let historyRows = await readHistory(conn);
      if (!historyRows) {
        await ensureHistoryTable(conn);
        historyRows = [];
      }
      // Planned again from the history read under the lock, with the same pure function as the
      // whole run's plan: another run may have moved this database on since.
      const steps = planDatabase(db, historyRows).migrations;
      const tables = new Set(db.migrations.flatMap((m) => m.statements.map((st) => st.physicalTable)));
      if (steps.some((m) => m.action !== 'skip') && this.collect.before) await readTableDdls(conn, tables, this.collect.before);
      for (const [i, step] of steps.entries()) {
        const { migration, statements } = db.migrations[i]!;
        if (step.action === 'skip') {
          done += statements.length;
          continue;
        }
        if (step.action === 'refuse') {
          report.migrations.push({ version: migration.version, action: 'refused', statementsRun: 0, statementsAlreadyApplied: 0, durationMs: 0, error: step.reason });
          return { ...report, outcome: 'refused', error: step.reason, durationMs: Date.now() - started };
        }
        const mr = await this.applyMigration({ conn, job, migration, statements, resumeFrom: step.action === 'resume' ? step.from : undefined, report, doneBefore: done });
        report.migrations.push(mr);
        done += statements.length;
        if (mr.action === 'failed') {
          report.outcome = 'failed';
          report.error = `V${migration.version}: ${mr.error ?? 'failed'}`;
          break;
        }
      }
      if (report.outcome === 'applied' && report.statementsRun === 0 && report.migrations.every((m) => m.statementsAlreadyApplied === 0)) report.outcome = 'up-to-date';
      if (report.outcome === 'applied' && this.collect.after) {
        // Merged only when complete: a half-read database would look like drift.
        const after = await readTableDdls(conn, tables).catch(() => undefined);
        if (after) for (const [k, v] of after) this.collect.after.set(k, v);
      }
      await releaseDatabaseLock(conn).catch(() => undefined);
    } catch (e) {
      report.outcome = e instanceof ShardError && e.nodeDown ? 'unreachable' : 'failed';
      report.error = errorText(e);
    } finally {
      await conn?.close();
    }
    report.durationMs = Date.now() - started;
    return report;
  }

  private async applyMigration(m: MigrationJob): Promise<MigrationReport> {
    const { conn, job, migration, statements, resumeFrom, report, doneBefore } = m;
    const started = Date.now();
    const mr: MigrationReport = { version: migration.version, action: resumeFrom !== undefined ? 'resumed' : 'applied', statementsRun: 0, statementsAlreadyApplied: 0, durationMs: 0 };
    await markRunning(conn, migration, statements.length, this.opts.appliedBy);
    let index = resumeFrom ?? 0;
    try {
      const deferrable = deferrableProgress(statements);
      if (resumeFrom !== undefined) {
        // A copy the previous run was in leaves triggers and a shadow table: drop them first.
        if (this.opts.onlineSchemaChange) await this.cleanupCopies(conn, statements.slice(resumeFrom));
        await this.settleInterrupted(conn, migration, statements, deferrable, resumeFrom, mr);
        index = resumeFrom + mr.statementsAlreadyApplied;
      }
      let flushedAt = Date.now();
      for (; index < statements.length; index++) {
        const st = statements[index]!;
        // History is written after every statement whose effect could not be read back from the
        // catalog; for the rest (one DDL per physical table) at most every PROGRESS_FLUSH_MS.
        const writeNow = !deferrable[index] || Date.now() - flushedAt >= PROGRESS_FLUSH_MS;
        if (this.opts.beforeStatement) {
          try {
            await this.opts.beforeStatement(conn, migration, st, statements);
          } catch (e) {
            throw new StatementFailure(`before statement ${st.index + 1} (line ${st.sourceLine}, ${st.physicalTable}): ${errorText(e)}`, st, migration.version, { cause: e });
          }
        }
        await this.runStatement(conn, job, migration, st, report, writeNow);
        if (writeNow) flushedAt = Date.now();
        mr.statementsRun++;
        report.statementsRun++;
        this.emit({ type: 'statement', target: job.db.target, done: doneBefore + index + 1, total: job.statements });
      }
      mr.durationMs = Date.now() - started;
      await markFinished(conn, migration.version, { state: 'success', done: statements.length, durationMs: mr.durationMs });
      return mr;
    } catch (e) {
      mr.action = 'failed';
      mr.durationMs = Date.now() - started;
      const st = e instanceof StatementFailure ? e.statement : statements[index];
      mr.error = errorText(e);
      if (st) report.failedStatement = { version: migration.version, index: st.index, sourceLine: st.sourceLine, physicalTable: st.physicalTable };
      // The node may be gone: the row then stays `running`, which the next run treats the same.
      await markFinished(conn, migration.version, { state: 'failed', done: index, durationMs: mr.durationMs, error: mr.error }).catch(() => undefined);
      return mr;
    }
  }

  /**
   * The statement a previous run was in may have taken effect before the runner died (DDL is not
   * transactional; the history update comes after it). Look in the catalog: skip it if done.
   */
  private async settleInterrupted(
    conn: ShardConnection,
    migration: PlannedMigration,
    statements: PhysicalStatement[],
    deferrable: boolean[],
    /** statements_done of the history row. */
    recordedDone: number,
    mr: MigrationReport,
  ): Promise<void> {
    // Statements after the recorded count may have run: deferred ones (recorded in batches),
    // then at most one more that was in flight. Skip those whose effect is there; stop at the
    // first that is not (statements run in order, so nothing after it ran).
    for (let i = recordedDone; i < statements.length; i++) {
      const st = statements[i]!;
      // DML runs in one transaction with its history update: if the count says not done, it is not.
      if (st.kind === 'dml') break;
      const { status, reason } = await checkEffect(conn, st.sql);
      if (status === 'applied') {
        mr.statementsAlreadyApplied++;
        if (deferrable[i]) continue;
        break;
      }
      if (status === 'partial' || status === 'unknown') {
        throw new StatementFailure(
          `${statementWhere(migration, st, conn.target.database)} was interrupted and ${status === 'partial' ? 'only part of its effect is present' : `its effect cannot be verified (${reason ?? ''})`}: finish or undo it by hand, then run \`shardship migrate repair\``,
          st,
          migration.version,
        );
      }
      break;
    }
    if (mr.statementsAlreadyApplied > 0) await conn.execute(progressSql, [recordedDone + mr.statementsAlreadyApplied, migration.version]);
  }

  private async runStatement(conn: ShardConnection, job: Job, migration: PlannedMigration, st: PhysicalStatement, report: DatabaseReport, writeProgress: boolean): Promise<void> {
    const progressParams = [st.index + 1, migration.version];
    if (st.kind === 'dml') {
      // DML is transactional: commit it together with its progress, so it runs exactly once.
      try {
        await this.withLockRetries(job, report, st, migration, async () => {
          await conn.execute('START TRANSACTION');
          try {
            await conn.execute(st.sql);
            await conn.execute(progressSql, progressParams);
            await conn.execute('COMMIT');
          } catch (e) {
            await conn.execute('ROLLBACK').catch(() => undefined);
            throw e;
          }
        });
      } catch (e) {
        throw this.failure(e, job, migration, st);
      }
      return;
    }
    const osc = this.opts.onlineSchemaChange;
    // With an online schema change tool, a copy goes through it, never through ALGORITHM=COPY.
    const choice = chooseAlgorithms(st.sql, this.opts.config.allowCopyAlter && !osc);
    if (choice.refused) throw new StatementFailure(choice.refused, st, migration.version);
    const key = `${job.db.target.node}|${choice.shape}`;
    let lastUnsupported: unknown;
    for (let v = this.learned.get(key) ?? 0; v < choice.variants.length; v++) {
      const variant = choice.variants[v]!;
      try {
        await this.withLockRetries(job, report, st, migration, () => conn.execute(variant.sql));
        if (v > 0 && this.learned.get(key) === undefined) this.learned.set(key, v);
        report.algorithms[variant.algorithm] = (report.algorithms[variant.algorithm] ?? 0) + 1;
        if (writeProgress) await conn.execute(progressSql, progressParams);
        return;
      } catch (e) {
        if (e instanceof ShardError && e.kind === 'algorithm-not-supported') {
          lastUnsupported = e;
          continue;
        }
        throw this.failure(e, job, migration, st);
      }
    }
    const specs = osc && copyAlterSpecs(st.sql);
    if (osc && specs) {
      // Later shards of the same change on this node go straight to the tool.
      this.learned.set(key, choice.variants.length);
      await this.copyAlter(osc, conn, job, st, migration, specs);
      report.algorithms[osc.algorithm] = (report.algorithms[osc.algorithm] ?? 0) + 1;
      if (writeProgress) await conn.execute(progressSql, progressParams);
      return;
    }
    throw new StatementFailure(this.opts.config.allowCopyAlter ? errorText(lastUnsupported) : copyRefusal(st.sql), st, migration.version, { cause: lastUnsupported });
  }

  /** A statement's error with where it came from (file:line, physical table) and the object MySQL names. */
  private failure(e: unknown, job: Job, migration: PlannedMigration, st: PhysicalStatement): StatementFailure {
    if (e instanceof StatementFailure) return e;
    const message = errorText(e);
    return new StatementFailure(`${statementWhere(migration, st, job.db.target.database, errorObject(message, st.sql))}: ${message}`, st, migration.version, { cause: e });
  }

  private async copyAlter(osc: OnlineSchemaChanger, conn: ShardConnection, job: Job, st: PhysicalStatement, migration: PlannedMigration, specs: string): Promise<void> {
    try {
      await osc.cleanup(conn, st.physicalTable);
      await osc.alter({ target: job.db.target, table: st.physicalTable, alter: specs, lockWaitSeconds: this.lockWaitSeconds, onProgress: (progress) => this.emit({ type: 'copy', progress }) });
    } catch (e) {
      throw this.failure(e, job, migration, st);
    }
  }

  private async cleanupCopies(conn: ShardConnection, statements: PhysicalStatement[]): Promise<void> {
    for (const table of new Set(statements.filter((st) => st.kind === 'ddl').map((st) => st.physicalTable))) await this.opts.onlineSchemaChange!.cleanup(conn, table);
  }

  /** Bounded retries on lock-wait timeouts and deadlocks, with a short growing pause between tries. */
  private async withLockRetries(job: Job, report: DatabaseReport, st: PhysicalStatement, migration: PlannedMigration, fn: () => Promise<unknown>): Promise<void> {
    const retries = this.opts.config.lockRetries;
    for (let attempt = 0; ; attempt++) {
      try {
        await fn();
        return;
      } catch (e) {
        const retryable = e instanceof ShardError && (e.kind === 'lock-wait-timeout' || e.kind === 'deadlock');
        if (!retryable) throw e;
        if (attempt >= retries) {
          throw new StatementFailure(
            `${statementWhere(migration, st, job.db.target.database)} waited for a table lock ${attempt + 1} times (${this.lockWaitSeconds}s each) and gave up: a long transaction holds it; end it and re-run apply`,
            st,
            migration.version,
            { cause: e },
          );
        }
        report.lockRetries++;
        this.emit({ type: 'retry', target: job.db.target, attempt: attempt + 1, reason: e.message });
        await sleep(200 * (attempt + 1));
      }
    }
  }
}
