// MySQL DDL is not transactional: a statement interrupted by a crash may or may not have taken
// effect. Before re-running the statement a previous run was in, ask information_schema whether
// its effect is already there. Recognising the effect is pure (statementEffect); checking it
// reads the catalog.
import type { ShardConnection } from '../core/shards.js';
import { ALTER_RE, splitTopLevel, stripSql } from './online-ddl.js';

export type EffectCheck =
  | { what: 'table'; table: string; present: boolean }
  | { what: 'column'; table: string; column: string; present: boolean }
  | { what: 'index'; table: string; index: string; present: boolean }
  | { what: 'constraint'; table: string; constraint: string; present: boolean };

export type StatementEffect =
  /** Facts that hold after the statement ran (all of them, atomically). */
  | { kind: 'checkable'; checks: EffectCheck[] }
  /** Running it again gives the same result (MODIFY, table options...). */
  | { kind: 'idempotent' }
  | { kind: 'unknown'; reason: string };

export type EffectStatus = 'applied' | 'not-applied' | 'partial' | 'rerun-safe' | 'unknown';

const ID = '(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)';
/** The same without a capture group, for qualified names `db`.`table`. */
const IDN = '(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)';
const unq = (s: string): string => {
  const last = s.split(/\.(?=(?:[^`]*`[^`]*`)*[^`]*$)/).pop() ?? s;
  return last.startsWith('`') ? last.slice(1, -1).replace(/``/g, '`') : last;
};

/** An ALTER specification's effect: facts, `idempotent`, or `{ unknown }` with the reason. */
function alterSpec(table: string, spec: string): EffectCheck[] | 'idempotent' | { unknown: string } {
  let m: RegExpExecArray | null;
  const s = spec.trim();
  if (/^(ALGORITHM|LOCK)\b/i.test(s)) return [];
  if ((m = new RegExp(`^ADD\\s+(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?(?:INDEX|KEY)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${ID}`, 'i').exec(s)) ||
      (m = new RegExp(`^ADD\\s+UNIQUE\\s+${ID}\\s*\\(`, 'i').exec(s))) {
    return [{ what: 'index', table, index: unq(m[1]!), present: true }];
  }
  if (/^ADD\s+PRIMARY\s+KEY/i.test(s)) return [{ what: 'index', table, index: 'PRIMARY', present: true }];
  if ((m = new RegExp(`^ADD\\s+CONSTRAINT\\s+${ID}`, 'i').exec(s))) return [{ what: 'constraint', table, constraint: unq(m[1]!), present: true }];
  if (/^ADD\s+(CONSTRAINT|FOREIGN|CHECK|PARTITION|PERIOD|SYSTEM)/i.test(s)) return { unknown: `cannot tell whether "${s.slice(0, 40)}" took effect` };
  if ((m = /^ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?\(([\s\S]*)\)$/i.exec(s))) {
    return splitTopLevel(m[1]!).map((c) => ({ what: 'column' as const, table, column: unq(c.split(/\s+/)[0]!), present: true }));
  }
  if ((m = new RegExp(`^ADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?${ID}`, 'i').exec(s))) return [{ what: 'column', table, column: unq(m[1]!), present: true }];
  if (/^DROP\s+PRIMARY\s+KEY/i.test(s)) return [{ what: 'index', table, index: 'PRIMARY', present: false }];
  if ((m = new RegExp(`^DROP\\s+(?:INDEX|KEY)\\s+(?:IF\\s+EXISTS\\s+)?${ID}`, 'i').exec(s))) return [{ what: 'index', table, index: unq(m[1]!), present: false }];
  if ((m = new RegExp(`^DROP\\s+(?:FOREIGN\\s+KEY|CONSTRAINT)\\s+(?:IF\\s+EXISTS\\s+)?${ID}`, 'i').exec(s))) return [{ what: 'constraint', table, constraint: unq(m[1]!), present: false }];
  if (/^DROP\s+(PARTITION|CHECK|PERIOD|SYSTEM)/i.test(s)) return { unknown: `cannot tell whether "${s.slice(0, 40)}" took effect` };
  if ((m = new RegExp(`^DROP\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?${ID}`, 'i').exec(s))) return [{ what: 'column', table, column: unq(m[1]!), present: false }];
  if ((m = new RegExp(`^RENAME\\s+COLUMN\\s+${ID}\\s+TO\\s+${ID}`, 'i').exec(s))) {
    return [{ what: 'column', table, column: unq(m[1]!), present: false }, { what: 'column', table, column: unq(m[2]!), present: true }];
  }
  if ((m = new RegExp(`^RENAME\\s+(?:INDEX|KEY)\\s+${ID}\\s+TO\\s+${ID}`, 'i').exec(s))) {
    return [{ what: 'index', table, index: unq(m[1]!), present: false }, { what: 'index', table, index: unq(m[2]!), present: true }];
  }
  if ((m = new RegExp(`^CHANGE\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?${ID}\\s+${ID}`, 'i').exec(s))) {
    const [from, to] = [unq(m[1]!), unq(m[2]!)];
    if (from.toLowerCase() === to.toLowerCase()) return 'idempotent';
    return [{ what: 'column', table, column: from, present: false }, { what: 'column', table, column: to, present: true }];
  }
  if ((m = new RegExp(`^RENAME\\s+(?:TO\\s+|AS\\s+)?${ID}`, 'i').exec(s))) {
    return [{ what: 'table', table, present: false }, { what: 'table', table: unq(m[1]!), present: true }];
  }
  if (/^(MODIFY|ALTER\s+(COLUMN\s+)?\S+\s+(SET|DROP)\s+DEFAULT|ENGINE|CONVERT|(DEFAULT\s+)?CHARACTER|(DEFAULT\s+)?CHARSET|(DEFAULT\s+)?COLLATE|COMMENT|ROW_FORMAT|AUTO_INCREMENT|KEY_BLOCK_SIZE|FORCE|ORDER\s+BY|ALTER\s+(INDEX|KEY)\s+\S+\s+(NOT\s+)?(VISIBLE|INVISIBLE|IGNORED))/i.test(s)) {
    return 'idempotent';
  }
  return { unknown: `cannot tell whether "${s.slice(0, 40)}" took effect` };
}

/** What a statement leaves behind, if it can be read from the catalog. Pure. */
export function statementEffect(sql: string): StatementEffect {
  const body = stripSql(sql);
  let m: RegExpExecArray | null;
  const alter = ALTER_RE.exec(body);
  if (alter) {
    const table = unq(alter[1]!);
    const checks: EffectCheck[] = [];
    let idempotent = 0;
    for (const spec of splitTopLevel(alter[2] ?? '')) {
      const r = alterSpec(table, spec);
      if (r === 'idempotent') idempotent++;
      else if ('unknown' in r) return { kind: 'unknown', reason: r.unknown };
      else checks.push(...r);
    }
    if (checks.length === 0) return idempotent > 0 ? { kind: 'idempotent' } : { kind: 'unknown', reason: 'empty ALTER' };
    return { kind: 'checkable', checks };
  }
  if ((m = new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(${ID}(?:\\.${ID})?)`, 'i').exec(body))) {
    return { kind: 'checkable', checks: [{ what: 'table', table: unq(m[1]!), present: true }] };
  }
  if ((m = new RegExp(`^DROP\\s+(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+EXISTS\\s+)?(${ID}(?:\\.${ID})?)\\s*$`, 'i').exec(body))) {
    return { kind: 'checkable', checks: [{ what: 'table', table: unq(m[1]!), present: false }] };
  }
  if ((m = new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:ONLINE\\s+)?(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?INDEX\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${ID}\\s+(?:USING\\s+\\w+\\s+)?ON\\s+(${ID}(?:\\.${ID})?)`, 'i').exec(body))) {
    return { kind: 'checkable', checks: [{ what: 'index', table: unq(m[2]!), index: unq(m[1]!), present: true }] };
  }
  if ((m = new RegExp(`^DROP\\s+INDEX\\s+(?:IF\\s+EXISTS\\s+)?${ID}\\s+ON\\s+(${ID}(?:\\.${ID})?)`, 'i').exec(body))) {
    return { kind: 'checkable', checks: [{ what: 'index', table: unq(m[2]!), index: unq(m[1]!), present: false }] };
  }
  if ((m = new RegExp(`^RENAME\\s+TABLE\\s+([\\s\\S]+)$`, 'i').exec(body))) {
    const checks: EffectCheck[] = [];
    for (const pair of splitTopLevel(m[1]!)) {
      const p = new RegExp(`^(${IDN}(?:\\.${IDN})?)\\s+TO\\s+(${IDN}(?:\\.${IDN})?)$`, 'i').exec(pair.trim());
      if (!p) return { kind: 'unknown', reason: `cannot read "${pair}"` };
      checks.push({ what: 'table', table: unq(p[1]!), present: false }, { what: 'table', table: unq(p[2]!), present: true });
    }
    return { kind: 'checkable', checks };
  }
  return { kind: 'unknown', reason: `cannot tell from the catalog whether "${body.slice(0, 60)}" took effect` };
}

/** Combine check results into one status. Pure. */
export function effectStatus(effect: StatementEffect, holds: boolean[]): EffectStatus {
  if (effect.kind === 'idempotent') return 'rerun-safe';
  if (effect.kind === 'unknown') return 'unknown';
  if (holds.every(Boolean)) return 'applied';
  // ALTER and RENAME are atomic in InnoDB: a mix of facts means someone changed it by hand.
  return holds.some(Boolean) ? 'partial' : 'not-applied';
}

/** Read the catalog and tell whether `sql` already took effect in the session's database. */
export async function checkEffect(conn: ShardConnection, sql: string): Promise<{ status: EffectStatus; reason?: string }> {
  const effect = statementEffect(sql);
  if (effect.kind === 'unknown') return { status: 'unknown', reason: effect.reason };
  if (effect.kind === 'idempotent') return { status: 'rerun-safe' };
  const db = conn.target.database;
  const holds: boolean[] = [];
  for (const c of effect.checks) {
    let rows: unknown[];
    if (c.what === 'table') {
      rows = await conn.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, c.table]);
    } else if (c.what === 'column') {
      rows = await conn.query('SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?', [db, c.table, c.column]);
    } else if (c.what === 'index') {
      rows = await conn.query('SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ? LIMIT 1', [db, c.table, c.index]);
    } else {
      rows = await conn.query('SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?', [db, c.table, c.constraint]);
    }
    holds.push((rows.length > 0) === c.present);
  }
  return { status: effectStatus(effect, holds) };
}
