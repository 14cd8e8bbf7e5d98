import { describe, expect, it } from 'vitest';
import { compareVersions, decideMigration, type HistoryRow } from '../../../pipeline/migrate/history.js';
import { deferrableProgress } from '../../../pipeline/migrate/apply.js';
import { interleaveByNode, planWaves } from '../../../pipeline/migrate/apply-plan.js';
import { describeHolder, lockName } from '../../../pipeline/migrate/locks.js';
import type { PhysicalStatement, PlannedMigration } from '../../../pipeline/migrate/plan-types.js';

const m: PlannedMigration = { version: '2', description: 'x', file: 'migrations/V2__x.sql', checksum: 'a'.repeat(64) };
const row = (over: Partial<HistoryRow>): HistoryRow => ({
  version: '2',
  description: 'x',
  checksum: 'a'.repeat(64),
  statementCount: 4,
  statementsDone: 0,
  state: 'success',
  startedAt: '',
  finishedAt: null,
  durationMs: null,
  appliedBy: 'ci',
  error: null,
  ...over,
});

describe('what to do with a planned migration given its history row', () => {
  it('runs new ones, skips applied ones, resumes failed or interrupted ones from the recorded statement', () => {
    expect(decideMigration(m, 4, undefined)).toEqual({ kind: 'run', from: 0 });
    expect(decideMigration(m, 4, row({}))).toEqual({ kind: 'skip' });
    expect(decideMigration(m, 4, row({ state: 'failed', statementsDone: 2 }))).toMatchObject({ kind: 'resume', from: 2 });
    expect(decideMigration(m, 4, row({ state: 'running', statementsDone: 3 }))).toMatchObject({ kind: 'resume', from: 3 });
  });

  it('refuses an edited applied file and a changed statement count', () => {
    const edited = decideMigration(m, 4, row({ checksum: 'b'.repeat(64) }));
    expect(edited).toMatchObject({ kind: 'refuse' });
    expect((edited as { reason: string }).reason).toMatch(/V2 was applied with checksum bbbbbbbbbbbb but migrations\/V2__x\.sql now has aaaaaaaaaaaa.*migrate repair/);
    expect(decideMigration(m, 6, row({ state: 'failed' }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/4 statements but the plan now has 6/) });
  });

  it('orders versions like Flyway', () => {
    expect(['10', '2', '1.10', '1.2', '1'].sort(compareVersions)).toEqual(['1', '1.2', '1.10', '2', '10']);
  });
});

describe('waves, locks and progress batching', () => {
  const dbs = ['a0', 'a1', 'a2', 'b0', 'b1', 'c0'].map((d) => ({ target: { node: d[0]!, database: d } }));
  it('spreads databases over nodes and puts the canary first', () => {
    expect(interleaveByNode(dbs).map((d) => d.target.database)).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'a2']);
    expect(planWaves(dbs, 2).map((w) => w.map((d) => d.target.database))).toEqual([['a0', 'b0'], ['c0', 'a1', 'b1', 'a2']]);
    expect(planWaves(dbs, undefined)).toHaveLength(1);
    expect(planWaves(dbs, 10)).toHaveLength(1);
  });

  it('names the lock after the database, hashing names over 64 characters', () => {
    expect(lockName('loan_0')).toBe('shardship:loan_0');
    expect(lockName('x'.repeat(80))).toMatch(/^shardship:[0-9a-f]{40}$/);
    expect(describeHolder('loan_0', { connectionId: 42, user: 'ci', host: '10.0.0.5:5123', appliedBy: 'alice@laptop', version: '3' }, 10)).toBe(
      'loan_0 is locked by ci@10.0.0.5:5123 (connection 42), applying V3 for alice@laptop; waited 10s. Another `migrate apply` is running: let it finish, or end that session',
    );
  });

  it('defers history writes only for checkable DDL on a table no other statement touches', () => {
    const st = (sql: string, physicalTable: string, kind: 'ddl' | 'dml' = 'ddl'): PhysicalStatement => ({ index: 0, sql, logicalTable: 't', physicalTable, sourceStatement: 1, sourceLine: 1, kind });
    expect(
      deferrableProgress([
        st('ALTER TABLE t_0 ADD COLUMN a INT', 't_0'),
        st('ALTER TABLE t_1 ADD COLUMN a INT', 't_1'),
        st('ALTER TABLE t_1 ADD COLUMN b INT', 't_1'),
        st('ALTER TABLE t_2 MODIFY a BIGINT', 't_2'),
        st("INSERT INTO cfg VALUES ('a')", 'cfg', 'dml'),
        st('RENAME TABLE r_0 TO s_0', 'r_0'),
      ]),
    ).toEqual([true, false, false, false, false, false]);
  });
});
