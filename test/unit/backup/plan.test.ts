// The backup stage's pure decisions: what a backup takes, topology digests and differences,
// retention, restore selection and which tables a pre-migration snapshot takes.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../pipeline/core/errors.js';
import { filesFor } from '../../../pipeline/backup/files.js';
import type { BackupManifest, DatabaseEntry, ListedBackup } from '../../../pipeline/backup/manifest.js';
import { checkBackupId } from '../../../pipeline/backup/manifest.js';
import { diffTopology, newBackupId, parseKeep, planBackup, planPrune, topologyDigest, topologySnapshot } from '../../../pipeline/backup/plan.js';
import { selectRestore } from '../../../pipeline/backup/restore.js';
import { destructiveStatements, tablesToSnapshot } from '../../../pipeline/backup/snapshot.js';
import { parseMigrationFile } from '../../../pipeline/migrate/migration-files.js';
import type { PhysicalStatement } from '../../../pipeline/migrate/plan-types.js';
import type { Topology } from '../../../pipeline/migrate/topology.js';

const topology = (over: Partial<Topology> = {}): Topology => ({
  environment: 'prod',
  nodes: [{ name: 'n1', dsnEnv: 'A' }, { name: 'n2', dsnEnv: 'B' }],
  databases: [
    { node: 'n1', database: 'loan_0' },
    { node: 'n2', database: 'loan_1' },
  ],
  tables: {
    t_order: { name: 't_order', kind: 'sharded', shardKey: 'user_id', physical: ['loan_0', 'loan_1'].flatMap((d, i) => [0, 1].map((k) => ({ node: `n${i + 1}`, database: d, physicalTable: `t_order_${k}` }))) },
    t_audit: { name: 't_audit', kind: 'single', physical: [{ node: 'n1', database: 'loan_0', physicalTable: 't_audit' }] },
  },
  bindingTables: [],
  ...over,
});

describe('planBackup', () => {
  it('takes every database whole by default', () => {
    expect(planBackup(topology()).databases).toEqual([
      { target: { node: 'n1', database: 'loan_0' }, tables: null },
      { target: { node: 'n2', database: 'loan_1' }, tables: null },
    ]);
  });
  it('takes only the physical copies of the named logical tables, and only their databases', () => {
    expect(planBackup(topology(), ['t_audit']).databases).toEqual([{ target: { node: 'n1', database: 'loan_0' }, tables: ['t_audit'] }]);
    expect(planBackup(topology(), ['t_order']).databases[1]).toEqual({ target: { node: 'n2', database: 'loan_1' }, tables: ['t_order_0', 't_order_1'] });
  });
  it('names an unknown table', () => {
    expect(() => planBackup(topology(), ['t_nope'])).toThrow(/unknown logical table\(s\): t_nope/);
  });
});

describe('topology digest and differences', () => {
  it('is stable across environments and key order, and changes with the layout', () => {
    const a = topologySnapshot(topology());
    expect(topologyDigest(a)).toBe(topologyDigest(topologySnapshot(topology({ environment: 'staging' }))));
    const moved = topologySnapshot(topology({ databases: [{ node: 'n1', database: 'loan_0' }, { node: 'n1', database: 'loan_1' }] }));
    expect(topologyDigest(moved)).not.toBe(topologyDigest(a));
  });
  it('says what differs', () => {
    const then = topologySnapshot(topology());
    const t = topology();
    const now = topologySnapshot({
      ...t,
      databases: [...t.databases.slice(0, 1), { node: 'n1', database: 'loan_1' }, { node: 'n2', database: 'loan_2' }],
      tables: { t_order: { ...t.tables.t_order!, physical: [...t.tables.t_order!.physical, { node: 'n2', database: 'loan_2', physicalTable: 't_order_0' }] }, t_user: { name: 't_user', kind: 'broadcast', physical: [] } },
    });
    expect(diffTopology(then, now)).toEqual([
      'database loan_1 moved from node n2 to n1',
      'database loan_2 was added since the backup',
      'logical table t_audit is no longer in the topology',
      'logical table t_order gained 1 physical table(s): loan_2.t_order_0',
      'logical table t_user was added since the backup',
    ]);
    expect(diffTopology(then, then)).toEqual([]);
  });
});

describe('ids and retention', () => {
  it('makes sortable ids and refuses path-like ones', () => {
    expect(newBackupId('prod', new Date('2026-12-04T21:30:05.123Z'), 'ab12')).toBe('20261204T213005Z-prod-ab12');
    for (const bad of ['../x', 'a/b', '', '.hidden']) expect(() => checkBackupId(bad)).toThrow(UsageError);
  });
  it('parses --keep', () => {
    expect(parseKeep('7d')).toEqual({ kind: 'age', ms: 7 * 86_400_000, text: '7d' });
    expect(parseKeep('3')).toEqual({ kind: 'count', n: 3 });
    expect(() => parseKeep('0')).toThrow(/at least one/);
    expect(() => parseKeep('7 days')).toThrow(/7d or 12h/);
  });
  const listed = (id: string, finishedAt: string): ListedBackup => ({ id, complete: true, manifest: { finishedAt, startedAt: finishedAt } as BackupManifest });
  const backups = [listed('20261204T000000Z-prod-0004', '2026-12-04T00:00:00Z'), listed('20261201T000000Z-prod-0003', '2026-12-01T00:00:00Z'), listed('20261120T000000Z-prod-0002', '2026-11-20T00:00:00Z'), { id: '20261110T000000Z-prod-0001', complete: false }];
  it('keeps the newest N, or those younger than the age, and drops stale incomplete ones', () => {
    const now = new Date('2026-12-05T00:00:00Z');
    expect(planPrune(backups, { kind: 'count', n: 2 }, now)).toEqual({
      keep: ['20261204T000000Z-prod-0004', '20261201T000000Z-prod-0003'],
      remove: [
        { id: '20261120T000000Z-prod-0002', reason: 'beyond the newest 2' },
        { id: '20261110T000000Z-prod-0001', reason: 'incomplete, and a newer complete backup exists' },
      ],
    });
    expect(planPrune(backups, parseKeep('7d'), now).remove.map((r) => r.id)).toEqual(['20261120T000000Z-prod-0002', '20261110T000000Z-prod-0001']);
  });
  it('always keeps the newest complete backup, however old', () => {
    expect(planPrune(backups.slice(0, 1), parseKeep('1s'), new Date('2030-01-01T00:00:00Z')).keep).toEqual(['20261204T000000Z-prod-0004']);
  });
});

describe('restore selection', () => {
  const entry = (database: string, node: string): DatabaseEntry => ({
    node,
    database,
    position: { gtid: null, binlogFile: null, binlogPosition: null },
    migrationVersion: null,
    tables: { t_order_0: { rows: 1, checksum: '1' }, t_order_1: { rows: 1, checksum: '2' }, ...(database === 'loan_0' ? { t_audit: { rows: 1, checksum: '3' } } : {}) },
    files: ['-schema-create.sql', '.t_order_0-schema.sql', '.t_order_0.sql', '.t_order_1.sql', '.t_order_10.sql', '.t_audit.sql'].map((s) => ({ path: `${node}/${database}/${database}${s}`, bytes: 1, sha256: '0'.repeat(64) })),
    startedAt: '',
    finishedAt: '',
  });
  const manifest = { id: 'x', topology: topologySnapshot(topology()), databases: [entry('loan_0', 'n1'), entry('loan_1', 'n2')] } as BackupManifest;
  it('maps logical tables to their physical copies per database, and routes to today\'s node', () => {
    const moved = topology({ databases: [{ node: 'n1', database: 'loan_0' }, { node: 'n1', database: 'loan_1' }] });
    const s = selectRestore(manifest, moved, { tables: ['t_audit'] });
    expect(s.map((x) => [x.target, x.tables])).toEqual([[{ node: 'n1', database: 'loan_0' }, ['t_audit']]]);
    expect(selectRestore(manifest, moved, { databases: ['loan_1'] }).map((x) => [x.target, x.tables])).toEqual([[{ node: 'n1', database: 'loan_1' }, null]]);
    expect(() => selectRestore(manifest, moved, { databases: ['loan_9'] })).toThrow(/no database loan_9/);
    expect(() => selectRestore(manifest, moved, { tables: ['t_nope'] })).toThrow(/no table t_nope/);
  });
  it('loads exactly the files of the chosen tables (t_order_1 is not t_order_10)', () => {
    expect(filesFor(manifest.databases[0]!, ['t_order_1']).map((f) => f.path)).toEqual(['n1/loan_0/loan_0-schema-create.sql', 'n1/loan_0/loan_0.t_order_1.sql']);
  });
});

describe('which tables a snapshot takes', () => {
  const files = [
    parseMigrationFile('migrations/V1__a.sql', Buffer.from('CREATE TABLE t_order (id BIGINT PRIMARY KEY, note VARCHAR(64), code VARCHAR(32));\n')),
    parseMigrationFile('migrations/V2__b.sql', Buffer.from('ALTER TABLE t_order ADD COLUMN x INT NULL;\n-- shardship-disable-next-line sql/destructive-drop\nALTER TABLE t_order DROP COLUMN note;\nALTER TABLE t_order MODIFY code VARCHAR(8);\n')),
  ];
  const m = { version: '2', description: 'b', file: 'migrations/V2__b.sql', checksum: '' };
  const st = (line: number, table: string): PhysicalStatement => ({ index: 0, sql: '', logicalTable: 't_order', physicalTable: table, sourceStatement: 1, sourceLine: line, kind: 'ddl' });
  it('flags drops (waived or not) and lossy changes, not additions', () => {
    expect([...destructiveStatements(files)].sort()).toEqual(['migrations/V2__b.sql:3', 'migrations/V2__b.sql:4']);
  });
  it('takes the tables of flagged statements (destructive), every table (always) or none (never)', () => {
    const statements = [st(1, 't_a'), st(3, 't_b'), st(4, 't_c')];
    const flagged = destructiveStatements(files);
    expect([...tablesToSnapshot('destructive', m, statements, flagged)]).toEqual(['t_b', 't_c']);
    expect([...tablesToSnapshot('always', m, statements, flagged)]).toEqual(['t_a', 't_b', 't_c']);
    expect([...tablesToSnapshot('never', m, statements, flagged)]).toEqual([]);
  });
});
