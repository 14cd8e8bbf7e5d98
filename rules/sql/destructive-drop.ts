// Dropping a table or column (or truncating) destroys data the running version may still
// read during a canary, and cannot be undone by a rollback.
import { alterExprs, columnName } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

export const destructiveDrop: SqlLintRule = {
  id: 'sql/destructive-drop',
  defaultSeverity: 'error',
  description: 'DROP TABLE, DROP COLUMN and TRUNCATE destroy data the old version may still use; drop in a later release, once nothing reads it.',
  check({ statements }) {
    const out = [];
    for (const st of statements) {
      if (st.type === 'drop' && st.keyword === 'table') out.push({ line: st.line, message: `DROP TABLE ${st.tables.join(', ')} destroys data` });
      else if (st.type === 'truncate') out.push({ line: st.line, message: `TRUNCATE ${st.tables.join(', ')} destroys data` });
      else if (st.type === 'alter') {
        for (const e of alterExprs(st.ast)) {
          if (e.action === 'drop' && e.resource === 'column') out.push({ line: st.line, message: `DROP COLUMN ${columnName(e.column) ?? '?'} on ${st.tables[0]} destroys data` });
        }
      }
    }
    return out;
  },
};
