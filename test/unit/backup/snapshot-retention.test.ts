// The pure half of snapshot retention: summing a listing per version and choosing what to drop.
import { describe, expect, it } from 'vitest';
import { parseKeep } from '../../../pipeline/backup/plan.js';
import { planSnapshotPrune, summarizeSnapshots, type DatabaseSnapshots } from '../../../pipeline/backup/snapshot-retention.js';

const at = (iso: string) => new Date(iso);
const snap = (version: string, physicalTable: string, createdAt: string, rows = 10, bytes = 16384) => ({ version, physicalTable, snapshotTable: `_shardship_snap_${version}_${physicalTable}`, rows, bytes, createdAt });
const listing: DatabaseSnapshots[] = [
  { target: { node: 'n1', database: 'loan_0' }, snapshots: [snap('2', 't_order_0', '2026-12-01T10:00:00.000Z'), snap('2', 't_order_1', '2026-12-01T10:00:01.000Z'), snap('10', 't_order_0', '2026-12-05T10:00:00.000Z', 5, 100)] },
  { target: { node: 'n2', database: 'loan_2' }, snapshots: [snap('2', 't_order_0', '2026-12-01T10:00:02.000Z'), snap('3.1', 't_order_0', '2026-12-03T10:00:00.000Z')] },
];

describe('summarizeSnapshots', () => {
  it('sums tables, rows and bytes per version across databases, in version order (10 after 3.1)', () => {
    expect(summarizeSnapshots(listing)).toEqual([
      { version: '2', databases: 2, tables: 3, rows: 30, bytes: 3 * 16384, createdAt: '2026-12-01T10:00:02.000Z' },
      { version: '3.1', databases: 1, tables: 1, rows: 10, bytes: 16384, createdAt: '2026-12-03T10:00:00.000Z' },
      { version: '10', databases: 1, tables: 1, rows: 5, bytes: 100, createdAt: '2026-12-05T10:00:00.000Z' },
    ]);
  });
});

describe('planSnapshotPrune', () => {
  const versions = summarizeSnapshots(listing);
  it('keeps the newest N versions by version order', () => {
    expect(planSnapshotPrune(versions, parseKeep('2'), at('2026-12-06T00:00:00Z'))).toEqual({ keep: ['10', '3.1'], remove: [{ version: '2', reason: 'beyond the newest 2' }] });
  });
  it('drops versions older than the age, never the newest', () => {
    expect(planSnapshotPrune(versions, parseKeep('2d'), at('2026-12-06T00:00:00Z'))).toEqual({ keep: ['10'], remove: [{ version: '3.1', reason: 'older than 2d' }, { version: '2', reason: 'older than 2d' }] });
    expect(planSnapshotPrune(versions, parseKeep('1h'), at('2027-01-01T00:00:00Z')).keep).toEqual(['10']);
    expect(planSnapshotPrune(versions, parseKeep('30d'), at('2026-12-06T00:00:00Z')).remove).toEqual([]);
  });
  it('has nothing to do without snapshots', () => {
    expect(planSnapshotPrune([], parseKeep('1'), at('2026-12-06T00:00:00Z'))).toEqual({ keep: [], remove: [] });
  });
});
