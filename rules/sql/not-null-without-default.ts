// Adding (or tightening) a NOT NULL column without a DEFAULT breaks the running version's
// INSERTs that do not know the column yet, and fails on rows that hold NULL.
import { alterExprs, columnName } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

export const notNullWithoutDefault: SqlLintRule = {
  id: 'sql/not-null-without-default',
  defaultSeverity: 'error',
  description: 'ADD/MODIFY a NOT NULL column without DEFAULT breaks inserts from the running version.',
  check({ statements }) {
    const out = [];
    for (const st of statements) {
      if (st.type !== 'alter') continue;
      for (const e of alterExprs(st.ast)) {
        if (e.resource !== 'column' || !['add', 'modify', 'change'].includes(String(e.action))) continue;
        const notNull = (e.nullable as { type?: string } | undefined)?.type === 'not null';
        if (notNull && !e.default_val && !e.auto_increment) {
          out.push({ line: st.line, message: `${String(e.action).toUpperCase()} COLUMN ${columnName(e.column) ?? '?'} on ${st.tables[0]} is NOT NULL without a DEFAULT` });
        }
      }
    }
    return out;
  },
};
