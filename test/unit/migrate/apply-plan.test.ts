// The per-database apply plan without a database: histories in, run/resume/skip/refuse per
// migration, up-to-date and unreadable databases, the stop before anything runs, and waves.
import { describe, expect, it } from 'vitest';
import { planApply, planDatabase, type HistoryRead } from '../../../pipeline/migrate/apply-plan.js';
import type { HistoryRow } from '../../../pipeline/migrate/history.js';
import type { DatabasePlan, MigrationPlan, PhysicalStatement, PlannedMigration } from '../../../pipeline/migrate/plan-types.js';

const migration = (version: string): PlannedMigration => ({ version, description: `m${version}`, file: `migrations/V${version}__m.sql`, checksum: version.repeat(64).slice(0, 64) });
const V1 = migration('1');
const V2 = migration('2');
const statements = (n: number): PhysicalStatement[] =>
  Array.from({ length: n }, (_, index) => ({ index, sql: `ALTER TABLE t_${index} ADD c INT`, logicalTable: 't', physicalTable: `t_${index}`, sourceStatement: 1, sourceLine: 1, kind: 'ddl' }));
const database = (node: string, name: string): DatabasePlan => ({
  target: { node, database: name },
  migrations: [
    { migration: V1, statements: statements(2) },
    { migration: V2, statements: statements(3) },
  ],
});
const row = (m: PlannedMigration, over: Partial<HistoryRow> = {}): HistoryRow => ({
  version: m.version,
  description: m.description,
  checksum: m.checksum,
  statementCount: m === V1 ? 2 : 3,
  statementsDone: m === V1 ? 2 : 3,
  state: 'success',
  startedAt: '2026-01-01 00:00:00.000',
  finishedAt: '2026-01-01 00:00:01.000',
  durationMs: 1000,
  appliedBy: 'ci',
  error: null,
  ...over,
});
const plan = (...dbs: DatabasePlan[]): MigrationPlan => ({ environment: 'prod', migrations: [V1, V2], databases: dbs, findings: [] });
const read = (rows: HistoryRow[] | undefined): HistoryRead => ({ rows });

describe('planDatabase', () => {
  it('runs everything in a database with no history table', () => {
    expect(planDatabase(database('a', 'a0'), undefined)).toEqual({
      decision: 'apply',
      statementsToRun: 5,
      migrations: [
        { version: '1', file: 'migrations/V1__m.sql', statements: 2, action: 'run' },
        { version: '2', file: 'migrations/V2__m.sql', statements: 3, action: 'run' },
      ],
    });
  });

  it('skips applied migrations and resumes an interrupted one from its recorded statement', () => {
    const p = planDatabase(database('a', 'a0'), [row(V1), row(V2, { state: 'failed', statementsDone: 1 })]);
    expect(p.decision).toBe('apply');
    expect(p.migrations.map((m) => m.action)).toEqual(['skip', 'resume']);
    expect(p.migrations[1]).toMatchObject({ action: 'resume', from: 1 });
    expect(p.statementsToRun).toBe(2);
  });

  it('is up to date when every migration is applied', () => {
    expect(planDatabase(database('a', 'a0'), [row(V1), row(V2)])).toMatchObject({ decision: 'up-to-date', statementsToRun: 0 });
  });

  it('refuses a database whose applied migration changed, with every reason', () => {
    const p = planDatabase(database('a', 'a0'), [row(V1, { checksum: 'f'.repeat(64) }), row(V2, { checksum: 'e'.repeat(64) })]);
    expect(p.decision).toBe('refused');
    expect(p.migrations.map((m) => m.action)).toEqual(['refuse', 'refuse']);
    expect(p.error).toMatch(/^V1 was applied with checksum ffffffffffff .*; V2 was applied with checksum eeeeeeeeeeee /);
  });
});

describe('planApply', () => {
  const a0 = database('a', 'a0');
  const a1 = database('a', 'a1');
  const b0 = database('b', 'b0');
  const b1 = database('b', 'b1');

  it('sends the databases with work to waves spread over nodes, canary first', () => {
    const p = planApply(
      plan(a0, a1, b0, b1),
      new Map([
        ['a0', read(undefined)],
        ['a1', read([row(V1), row(V2)])],
        ['b0', read([row(V1)])],
        ['b1', read(undefined)],
      ]),
      { canary: 1 },
    );
    expect(p.stopped).toBeUndefined();
    expect(p.waves).toEqual([['a0'], ['b0', 'b1']]);
    expect(p.databases.map((d) => `${d.target.database} ${d.decision} wave ${d.wave} ${d.statementsToRun}`)).toEqual(['a0 apply wave 0 5', 'a1 up-to-date wave 0 0', 'b0 apply wave 1 3', 'b1 apply wave 1 5']);
  });

  it('a changed applied migration anywhere stops the run before anything runs', () => {
    const p = planApply(plan(a0, b0), new Map([['a0', read([row(V1, { checksum: 'f'.repeat(64) })])], ['b0', read(undefined)]]));
    expect(p.stopped).toBe('an applied migration changed (checksum mismatch): nothing was applied');
    expect(p.waves).toEqual([]);
    expect(p.databases.map((d) => d.decision)).toEqual(['refused', 'skipped']);
  });

  it('an unreadable history is reported; with --stop-on-error nothing starts', () => {
    const histories = new Map<string, HistoryRead>([
      ['a0', { error: 'connect ECONNREFUSED', unreachable: true }],
      ['b0', read(undefined)],
    ]);
    const goOn = planApply(plan(a0, b0), histories);
    expect(goOn.waves).toEqual([['b0']]);
    expect(goOn.databases[0]).toMatchObject({ decision: 'unreadable', unreachable: true, error: 'connect ECONNREFUSED' });

    const stop = planApply(plan(a0, b0), histories, { stopOnError: true });
    expect(stop.stopped).toBe('--stop-on-error: a0 unreachable before anything ran');
    expect(stop.databases.map((d) => d.decision)).toEqual(['unreadable', 'skipped']);
  });

  it('a database whose history was not read counts as unreadable, not as empty', () => {
    expect(planApply(plan(a0), new Map()).databases[0]).toMatchObject({ decision: 'unreadable', error: 'history not read' });
  });
});
