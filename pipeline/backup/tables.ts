// The catalog reads the backup stage shares: which tables a database holds, their row counts
// and CHECKSUM TABLE values, and the binlog/GTID position.
import { quoteIdentifier } from '../migrate/history.js';
import type { ShardConnection } from '../core/shards.js';
import type { Position, TableRecord } from './manifest.js';
import { isOwnTable } from './plan.js';

/** Base tables of `database`, without shardship's own bookkeeping tables. */
export async function listTables(conn: ShardConnection, database: string): Promise<string[]> {
  const rows = await conn.query<{ t: string }>("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", [database]);
  return rows.map((r) => r.t).filter((t) => !isOwnTable(t));
}

export async function databaseExists(conn: ShardConnection, database: string): Promise<boolean> {
  const rows = await conn.query('SELECT 1 AS x FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
  return rows.length > 0;
}

/** Row count and CHECKSUM TABLE of each table (missing tables are left out). */
export async function tableRecords(conn: ShardConnection, database: string, tables: string[]): Promise<Record<string, TableRecord>> {
  const out: Record<string, TableRecord> = {};
  if (tables.length === 0) return out;
  const q = (t: string) => `${quoteIdentifier(database)}.${quoteIdentifier(t)}`;
  const sums = await conn.query<{ Table: string; Checksum: string | number | null }>(`CHECKSUM TABLE ${tables.map(q).join(', ')}`);
  for (const s of sums) {
    const table = s.Table.slice(database.length + 1);
    if (s.Checksum === null) continue;
    const [c] = await conn.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${q(table)}`);
    out[table] = { rows: Number(c?.n ?? 0), checksum: String(s.Checksum) };
  }
  return out;
}

export async function readPosition(conn: ShardConnection): Promise<Position> {
  const [v] = await conn.query<{ gtid: string | null; logBin: number | string }>('SELECT @@gtid_current_pos AS gtid, @@log_bin AS logBin');
  let binlogFile: string | null = null;
  let binlogPosition: number | null = null;
  if (Number(v?.logBin) === 1) {
    const [m] = await conn.query<{ File: string; Position: number | string }>('SHOW MASTER STATUS');
    if (m) {
      binlogFile = m.File;
      binlogPosition = Number(m.Position);
    }
  }
  return { gtid: v?.gtid ? String(v.gtid) : null, binlogFile, binlogPosition };
}
