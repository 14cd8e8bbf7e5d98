// Renaming a table or column breaks the version still running during a canary: it keeps
// using the old name. Add the new one, backfill, switch code, drop the old one later.
import { alterExprs, columnName } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

export const renameRule: SqlLintRule = {
  id: 'sql/rename',
  defaultSeverity: 'error',
  description: 'Renaming a table or column breaks the previous version while a canary runs; use expand/contract instead.',
  check({ statements }) {
    const out = [];
    for (const st of statements) {
      if (st.type === 'rename') out.push({ line: st.line, message: `RENAME TABLE ${st.tables.join(', ')} breaks the running version` });
      if (st.type !== 'alter') continue;
      for (const e of alterExprs(st.ast)) {
        if (e.action === 'rename' && e.resource === 'table') out.push({ line: st.line, message: `renaming table ${st.tables[0]} to ${String(e.table)} breaks the running version` });
        if (e.action === 'rename' && e.resource === 'column') {
          out.push({ line: st.line, message: `renaming column ${columnName(e.old_column) ?? '?'} of ${st.tables[0]} breaks the running version` });
        }
        if (e.action === 'change') {
          const from = columnName(e.old_column);
          const to = columnName(e.column);
          if (from && to && from !== to) out.push({ line: st.line, message: `CHANGE COLUMN ${from} -> ${to} on ${st.tables[0]} renames it and breaks the running version` });
        }
      }
    }
    return out;
  },
};
