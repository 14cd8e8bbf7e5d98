// Where a failed physical statement came from and what it failed on, for the one line a
// person reads: the file:line, the physical table and, where MySQL names one (or the
// statement does, for errno 121 which names none), the object. Pure.
import type { PhysicalStatement, PlannedMigration } from './plan-types.js';
import { tokenize, isSignificant } from './sql-tokens.js';

/** `column note`, `index idx_user`, `constraint fk__t_1`: the object a MySQL error message is about. */
export function errorObject(message: string, sql: string): string | undefined {
  const quoted = (re: RegExp): string | undefined => re.exec(message)?.[1];
  const column = quoted(/Duplicate column name '([^']+)'/) ?? quoted(/Unknown column '([^']+)'/);
  if (column) return `column ${column}`;
  const index = quoted(/Duplicate key name '([^']+)'/);
  if (index) return `index ${index}`;
  const dropped = quoted(/Can't DROP (?:INDEX |FOREIGN KEY |CONSTRAINT |COLUMN )?[`']([^`']+)[`']/);
  if (dropped) return `object ${dropped} (it does not exist)`;
  const constraint = quoted(/Duplicate (?:foreign key |check )?constraint name '([^']+)'/i);
  if (constraint) return `constraint ${constraint}`;
  if (/errno: 121\b|Duplicate key on write or update/.test(message)) {
    const names = constraintNames(sql);
    return names.length ? `constraint ${names.join(', ')} (already exists in this database)` : 'a constraint name that already exists in this database';
  }
  if (/errno: 150\b|foreign key constraint is incorrectly formed/i.test(message)) return 'a foreign key (referenced table, column or type does not match)';
  const table = quoted(/Table '([^']+)' already exists/) ?? quoted(/Table '([^']+)' doesn't exist/);
  if (table) return `table ${table}`;
  return undefined;
}

function constraintNames(sql: string): string[] {
  const sig = tokenize(sql).filter(isSignificant);
  const out: string[] = [];
  sig.forEach((t, i) => {
    const next = sig[i + 1];
    if (t.type === 'word' && t.text.toUpperCase() === 'CONSTRAINT' && next && (next.type === 'quoted' || next.type === 'word')) out.push(next.value);
  });
  return out;
}

/** `statement 3 (migrations/V2__x.sql:7, loan_1.t_order_2, column note)` */
export function statementWhere(migration: PlannedMigration, st: PhysicalStatement, database: string, object?: string): string {
  return `statement ${st.index + 1} (${migration.file}:${st.sourceLine}, ${database}.${st.physicalTable}${object ? `, ${object}` : ''})`;
}
