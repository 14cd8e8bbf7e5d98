// InnoDB without a primary key uses a hidden row id: no safe online ALTER, no row-based
// replication by key, no way to move a shard's rows deterministically.
import { createDefinitions } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

export const missingPrimaryKey: SqlLintRule = {
  id: 'sql/missing-primary-key',
  defaultSeverity: 'error',
  description: 'CREATE TABLE without a PRIMARY KEY.',
  check({ statements }) {
    const out = [];
    for (const st of statements) {
      if (st.type !== 'create' || st.keyword !== 'table' || st.ast.like || st.ast.query_expr) continue;
      const hasPk = createDefinitions(st.ast).some((d) => d.primary_key || (typeof d.constraint_type === 'string' && d.constraint_type.toLowerCase() === 'primary key'));
      if (!hasPk) out.push({ line: st.line, message: `table ${st.tables[0]} has no PRIMARY KEY` });
    }
    return out;
  },
};
