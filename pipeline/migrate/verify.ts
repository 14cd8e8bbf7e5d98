// Schema drift: every physical copy of a logical table (and every copy of a broadcast table)
// must have the same normalised SHOW CREATE TABLE. Normalising and grouping are pure; reading
// the DDL goes through ShardConnection.
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { ShardConnection, ShardConnector, ShardTarget } from '../core/shards.js';
import type { MigrationPlan } from './plan-types.js';
import { quoteIdentifier } from './history.js';
import { logicalObjectName } from './object-names.js';

export interface TableCopy {
  node: string;
  database: string;
  table: string;
}

export interface LogicalTableCopies {
  logicalTable: string;
  copies: TableCopy[];
}

export interface DriftVariant {
  hash: string;
  /** Normalised DDL of this variant. */
  ddl: string;
  copies: TableCopy[];
}

export interface TableDrift {
  logicalTable: string;
  copies: number;
  /** Distinct DDLs, most common first; one entry means no drift. */
  variants: DriftVariant[];
  missing: TableCopy[];
  /** Copies that differ from the most common DDL, plus missing ones (when others exist). */
  drifting: TableCopy[];
}

export interface DriftReport {
  ok: boolean;
  tables: TableDrift[];
  unreachable: { node: string; database: string; error: string }[];
}

/**
 * Drop what legitimately differs between copies: the table name, the names the server or
 * shardship derive from it for database-scoped constraints (`<table>_ibfk_1`, `<table>_chk_1`,
 * `fk__<table>`, and the index the server makes for a foreign key; see object-names.ts) and the AUTO_INCREMENT counter.
 */
export function normalizeCreateTable(ddl: string, physicalTable: string): string {
  const escaped = physicalTable.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return ddl
    .replace(new RegExp('^(CREATE\\s+TABLE\\s+)`' + escaped + '`', 'i'), '$1`<table>`')
    .replace(new RegExp('`' + escaped + '_(ibfk|chk)_', 'g'), '`<table>_$1_')
    .replace(/((?:CONSTRAINT|KEY)\s+)`((?:[^`]|``)+)`/g, (_m, kw: string, name: string) => `${kw}\`${logicalObjectName(name.replace(/``/g, '`'), physicalTable).replace(/`/g, '``')}\``)
    .replace(/\s+AUTO_INCREMENT=\d+/i, '')
    .trim();
}

/** Where each physical table sits: `db.table` -> its logical table, its position in its database, and how many copies that database has. */
export type PhysicalIndex = Map<string, { logical: string; index: number; inDatabase: number }>;

export function physicalIndex(tables: LogicalTableCopies[]): PhysicalIndex {
  const out: PhysicalIndex = new Map();
  for (const t of tables) {
    const byDb = new Map<string, TableCopy[]>();
    for (const c of t.copies) byDb.set(c.database, [...(byDb.get(c.database) ?? []), c]);
    for (const [db, list] of byDb) list.forEach((c, index) => out.set(`${db}.${c.table}`, { logical: t.logicalTable, index, inDatabase: list.length }));
  }
  return out;
}

/**
 * A foreign key names the physical table it references (`t_order_3`): compare the logical
 * table instead, and whether it is the copy paired with this one (same position in the
 * database), which is what the rewrite produces.
 */
export function normalizeReferences(ddl: string, copy: TableCopy, index: PhysicalIndex): string {
  const own = index.get(`${copy.database}.${copy.table}`);
  return ddl.replace(/(REFERENCES\s+)`((?:[^`]|``)+)`/g, (m, kw: string, name: string) => {
    const ref = index.get(`${copy.database}.${name.replace(/``/g, '`')}`);
    if (!ref) return m;
    const paired = ref.inDatabase === 1 || (own !== undefined && own.index === ref.index);
    return `${kw}\`<${ref.logical}${paired ? '' : `#${ref.index}`}>\``;
  });
}

/** Group copies by DDL; the most common variant is the reference. Pure. */
export function compareCopies(logicalTable: string, ddls: { copy: TableCopy; ddl: string | null }[]): TableDrift {
  const groups = new Map<string, DriftVariant>();
  const missing: TableCopy[] = [];
  for (const { copy, ddl } of ddls) {
    if (ddl === null) {
      missing.push(copy);
      continue;
    }
    const hash = createHash('sha256').update(ddl).digest('hex').slice(0, 12);
    const g = groups.get(hash) ?? { hash, ddl, copies: [] };
    g.copies.push(copy);
    groups.set(hash, g);
  }
  const variants = [...groups.values()].sort((a, b) => b.copies.length - a.copies.length);
  // A table absent everywhere is consistent (not created yet, or dropped everywhere).
  const drifting = [...variants.slice(1).flatMap((v) => v.copies), ...(variants.length > 0 ? missing : [])];
  return { logicalTable, copies: ddls.length, variants, missing, drifting };
}

/** The physical copies of every logical table the plan's statements touch (optionally only in some databases). */
export function copiesFromPlan(plan: MigrationPlan, only?: Set<string>): LogicalTableCopies[] {
  const byTable = new Map<string, Map<string, TableCopy>>();
  for (const db of plan.databases) {
    if (only && !only.has(db.target.database)) continue;
    for (const m of db.migrations) {
      for (const s of m.statements) {
        const copies = byTable.get(s.logicalTable) ?? new Map<string, TableCopy>();
        copies.set(`${db.target.database}.${s.physicalTable}`, { node: db.target.node, database: db.target.database, table: s.physicalTable });
        byTable.set(s.logicalTable, copies);
      }
    }
  }
  return [...byTable.entries()].map(([logicalTable, copies]) => ({ logicalTable, copies: [...copies.values()] }));
}

/** `db.table` -> normalised DDL, or null when the table does not exist. */
export type CollectedDdl = Map<string, string | null>;

/** Read the normalised DDL of some tables of the session's database (one SHOW TABLES, one SHOW CREATE each). */
export async function readTableDdls(conn: ShardConnection, tables: Iterable<string>, into: CollectedDdl = new Map()): Promise<CollectedDdl> {
  const db = conn.target.database;
  const existing = new Set((await conn.query<Record<string, string>>('SHOW TABLES')).map((r) => String(Object.values(r)[0])));
  for (const table of tables) {
    if (!existing.has(table)) {
      into.set(`${db}.${table}`, null);
      continue;
    }
    const rows = await conn.query<{ 'Create Table': string }>(`SHOW CREATE TABLE ${quoteIdentifier(table)}`);
    into.set(`${db}.${table}`, normalizeCreateTable(rows[0]?.['Create Table'] ?? '', table));
  }
  return into;
}

/**
 * Compare what was collected. Pure. Databases in `unreachable` are left out of the comparison.
 * `names` places the physical tables foreign keys may reference (default: `tables`).
 */
export function compareCollected(tables: LogicalTableCopies[], ddl: CollectedDdl, unreachable: DriftReport['unreachable'] = [], names: PhysicalIndex = physicalIndex(tables)): DriftReport {
  const down = new Set(unreachable.map((u) => u.database));
  const result = tables.map((t) =>
    compareCopies(
      t.logicalTable,
      t.copies.filter((c) => !down.has(c.database)).map((copy) => {
        const text = ddl.get(`${copy.database}.${copy.table}`) ?? null;
        return { copy, ddl: text === null ? null : normalizeReferences(text, copy, names) };
      }),
    ),
  );
  return { ok: unreachable.length === 0 && result.every((t) => t.drifting.length === 0), tables: result, unreachable };
}

/** The physical tables of each database that `tables` names. */
export function tablesByDatabase(tables: LogicalTableCopies[]): Map<string, { target: ShardTarget; tables: Set<string> }> {
  const byDb = new Map<string, { target: ShardTarget; tables: Set<string> }>();
  for (const t of tables) {
    for (const c of t.copies) {
      const e = byDb.get(c.database) ?? { target: { node: c.node, database: c.database }, tables: new Set<string>() };
      e.tables.add(c.table);
      byDb.set(c.database, e);
    }
  }
  return byDb;
}

export async function verifySchemas(
  tables: LogicalTableCopies[],
  opts: { connections: ShardConnector; concurrency?: number; collected?: CollectedDdl; skipDatabases?: Set<string>; names?: PhysicalIndex },
): Promise<DriftReport> {
  // One session per database reads all its tables; databases already read (`collected`) are not read again.
  const ddl: CollectedDdl = new Map(opts.collected ?? []);
  const unreachable: DriftReport['unreachable'] = [];
  const limit = pLimit(opts.concurrency ?? 8);
  await Promise.all(
    [...tablesByDatabase(tables).values()]
      .filter((db) => !opts.skipDatabases?.has(db.target.database))
      .map((db) =>
        limit(async () => {
          let conn: ShardConnection | undefined;
          try {
            conn = await opts.connections.connect(db.target);
            await readTableDdls(conn, db.tables, ddl);
          } catch (e) {
            unreachable.push({ ...db.target, error: e instanceof Error ? e.message : String(e) });
          } finally {
            await conn?.close();
          }
        }),
      ),
  );
  return compareCollected(tables, ddl, unreachable, opts.names);
}

/** Text lines for people: one line per drifting table, naming the physical copies. */
export function formatDrift(report: DriftReport): string[] {
  const lines: string[] = [];
  for (const t of report.tables) {
    if (t.drifting.length === 0) continue;
    const ref = t.variants[0];
    lines.push(`drift ${t.logicalTable}: ${t.drifting.length} of ${t.copies} copies differ from the majority (${ref?.copies.length ?? 0} copies)`);
    for (const v of t.variants.slice(1)) {
      const diff = firstDifference(ref?.ddl ?? '', v.ddl);
      for (const c of v.copies) lines.push(`  ${c.node}/${c.database}.${c.table}: ${diff}`);
    }
    if (t.variants.length > 0) for (const c of t.missing) lines.push(`  ${c.node}/${c.database}.${c.table}: missing`);
  }
  for (const u of report.unreachable) lines.push(`unreachable ${u.node}/${u.database}: ${u.error}`);
  return lines;
}

/**
 * The lines only one side has. A line's trailing comma depends on whether a line follows
 * (`PRIMARY KEY (id)` gains one when a KEY is added after it), so it is not a difference;
 * repeated lines count as many times as they occur.
 */
export function firstDifference(a: string, b: string): string {
  const lines = (s: string) => s.split('\n').map((l) => l.trim().replace(/,$/, ''));
  const minus = (x: string[], y: string[]) => {
    const left = [...y];
    return x.filter((l) => {
      const i = left.indexOf(l);
      if (i < 0) return true;
      left.splice(i, 1);
      return false;
    });
  };
  const la = lines(a);
  const lb = lines(b);
  const parts = [...minus(lb, la).map((l) => `+ ${l}`), ...minus(la, lb).map((l) => `- ${l}`)];
  return parts.join('  ').slice(0, 300) || 'different column order';
}

/** Every logical table of the topology with all its physical copies (for `migrate verify`). */
export function copiesFromTopology(topology: { tables: Record<string, { name: string; physical: { node: string; database: string; physicalTable: string }[] }> }): LogicalTableCopies[] {
  return Object.values(topology.tables).map((t) => ({
    logicalTable: t.name,
    copies: t.physical.map((p) => ({ node: p.node, database: p.database, table: p.physicalTable })),
  }));
}
