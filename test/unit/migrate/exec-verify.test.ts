import { describe, expect, it } from 'vitest';
import { compareCollected, compareCopies, copiesFromPlan, copiesFromTopology, formatDrift, normalizeCreateTable } from '../../../pipeline/migrate/verify.js';
import { statusProblems } from '../../../pipeline/migrate/status.js';
import { capacityVerdict, formatBytes } from '../../../pipeline/migrate/capacity.js';
import { planRepair, formatRepairChange } from '../../../pipeline/migrate/repair.js';
import { formatDatabaseLine, bar } from '../../../pipeline/migrate/progress.js';
import type { MigrationPlan } from '../../../pipeline/migrate/plan-types.js';

const ddl = (name: string, extra = '', ai = 7) => `CREATE TABLE \`${name}\` (\n  \`id\` bigint(20) NOT NULL,${extra}\n  PRIMARY KEY (\`id\`)\n) ENGINE=InnoDB AUTO_INCREMENT=${ai} DEFAULT CHARSET=utf8mb4`;

describe('schema drift', () => {
  it('ignores the table name and the AUTO_INCREMENT counter', () => {
    expect(normalizeCreateTable(ddl('t_order_3', '', 99), 't_order_3')).toBe(normalizeCreateTable(ddl('t_order_12', '', 5), 't_order_12'));
    expect(normalizeCreateTable(ddl('t_order_3'), 't_order_3')).toMatch(/^CREATE TABLE `<table>`/);
  });

  it('names the copies that differ from the majority and the missing ones', () => {
    const c = (db: string, table: string) => ({ node: 'n1', database: db, table });
    const collected = new Map<string, string | null>([
      ['d0.t_0', normalizeCreateTable(ddl('t_0'), 't_0')],
      ['d0.t_1', normalizeCreateTable(ddl('t_1'), 't_1')],
      ['d1.t_2', normalizeCreateTable(ddl('t_2', '\n  `hotfix` int(11) DEFAULT NULL,'), 't_2')],
      ['d1.t_3', null],
    ]);
    const report = compareCollected([{ logicalTable: 't', copies: [c('d0', 't_0'), c('d0', 't_1'), c('d1', 't_2'), c('d1', 't_3')] }], collected);
    expect(report.ok).toBe(false);
    expect(report.tables[0]!.drifting).toEqual([c('d1', 't_2'), c('d1', 't_3')]);
    const lines = formatDrift(report);
    expect(lines[0]).toBe('drift t: 2 of 4 copies differ from the majority (2 copies)');
    expect(lines[1]).toBe('  n1/d1.t_2: + `hotfix` int(11) DEFAULT NULL');
    expect(lines[2]).toBe('  n1/d1.t_3: missing');
    // A table absent everywhere (not created yet) is consistent.
    expect(compareCopies('x', [{ copy: c('d0', 'x'), ddl: null }]).drifting).toEqual([]);
  });

  it('derives the copies to compare from a plan or a topology', () => {
    const plan: MigrationPlan = {
      environment: 'e',
      migrations: [],
      findings: [],
      databases: [
        { target: { node: 'n1', database: 'd0' }, migrations: [{ migration: { version: '1', description: '', file: '', checksum: '' }, statements: [{ index: 0, sql: '', logicalTable: 't', physicalTable: 't_0', sourceStatement: 1, sourceLine: 1, kind: 'ddl' }] }] },
        { target: { node: 'n2', database: 'd1' }, migrations: [{ migration: { version: '1', description: '', file: '', checksum: '' }, statements: [{ index: 0, sql: '', logicalTable: 't', physicalTable: 't_1', sourceStatement: 1, sourceLine: 1, kind: 'ddl' }] }] },
      ],
    };
    expect(copiesFromPlan(plan)).toEqual([{ logicalTable: 't', copies: [{ node: 'n1', database: 'd0', table: 't_0' }, { node: 'n2', database: 'd1', table: 't_1' }] }]);
    expect(copiesFromPlan(plan, new Set(['d1']))[0]!.copies).toHaveLength(1);
    expect(copiesFromTopology({ tables: { cfg: { name: 'cfg', physical: [{ node: 'n1', database: 'd0', physicalTable: 'cfg' }] } } })).toEqual([{ logicalTable: 'cfg', copies: [{ node: 'n1', database: 'd0', table: 'cfg' }] }]);
  });
});

describe('status, capacity, repair and progress lines', () => {
  const target = { node: 'n1', database: 'loan_0' };
  it('fails on failed, changed, unreachable and over-cap databases; pending is fine', () => {
    expect(statusProblems([{ target, reachable: true, states: { '1': 'success', '2': 'pending' }, progress: {}, unknownVersions: [] }])).toEqual([]);
    const problems = statusProblems([
      { target, reachable: true, states: { '1': 'failed', '2': 'changed' }, progress: { '1': { done: 3, total: 8, error: 'x' } }, unknownVersions: [], capacity: capacityVerdict(2048, 1024) },
      { target: { node: 'n2', database: 'loan_2' }, reachable: false, error: 'mysql n2: cannot connect', states: {}, progress: {}, unknownVersions: [] },
    ]);
    expect(problems).toEqual([
      'n1/loan_0: V1 failed at statement 4/8',
      'n1/loan_0: V2 file changed after it was applied (checksum)',
      'n1/loan_0: 2048 bytes is over the cap of 1024 bytes: split or move data before it grows',
      'n2/loan_2: unreachable: mysql n2: cannot connect',
    ]);
    expect(capacityVerdict(10, undefined)).toEqual({ bytes: 10, over: false });
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });

  it('repair realigns checksums, clears failed rows that ran nothing, keeps resumable ones', () => {
    const plan: MigrationPlan = { environment: 'e', databases: [], findings: [], migrations: [{ version: '1', description: 'a', file: 'V1', checksum: 'new'.padEnd(64, '0') }] };
    const base = { description: 'a', statementCount: 4, startedAt: '', finishedAt: null, durationMs: null, appliedBy: 'x', error: null };
    const changes = planRepair(plan, target, [
      { ...base, version: '1', checksum: 'old'.padEnd(64, '0'), statementsDone: 4, state: 'success' },
      { ...base, version: '2', checksum: 'c', statementsDone: 0, state: 'failed' },
      { ...base, version: '3', checksum: 'c', statementsDone: 2, state: 'running' },
    ]);
    expect(changes.map(formatRepairChange)).toEqual([
      'n1/loan_0 V1: checksum old000000000 -> new000000000',
      'n1/loan_0 V2: cleared failed row (no statement had run)',
      'n1/loan_0 V3: kept: running after 2/4 statements: `apply` resumes it at statement 3',
    ]);
  });

  it('prints one plain line per database for CI', () => {
    expect(formatDatabaseLine({ target, outcome: 'applied', wave: 0, migrations: [], statementsRun: 12, lockRetries: 1, algorithms: {}, durationMs: 1500 })).toBe(
      'n1/loan_0                applied      12 statements  1.5s  (1 lock retries)',
    );
    expect(bar(1, 2, 4)).toBe('██░░');
  });
});

describe('progress on a TTY', () => {
  it('draws one bar per node and redraws in place', async () => {
    const { progressReporter } = await import('../../../pipeline/migrate/progress.js');
    const { memoryOutput } = await import('../../../pipeline/core/output.js');
    const written: string[] = [];
    const sink = progressReporter({ ...memoryOutput(), isTTY: true }, (s) => void written.push(s));
    const a = { node: 'n1', database: 'd0' };
    const b = { node: 'n2', database: 'd1' };
    sink.onProgress({ type: 'start', databases: [{ target: a, statements: 4 }, { target: b, statements: 2 }] });
    sink.onProgress({ type: 'statement', target: a, done: 2, total: 4 });
    sink.onProgress({ type: 'database-done', report: { target: b, outcome: 'failed', wave: 0, migrations: [], statementsRun: 0, lockRetries: 0, algorithms: {}, durationMs: 1 } });
    sink.finish();
    const last = written.at(-1)!;
    expect(last.startsWith('\x1b[2A')).toBe(true);
    expect(last).toContain('n1       ████████████░░░░░░░░░░░░ 2/4 statements, 0/1 databases');
    expect(last).toContain('n2       ░░░░░░░░░░░░░░░░░░░░░░░░ 0/2 statements, 1/1 databases 1 failed');
  });
});
