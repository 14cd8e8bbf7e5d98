// Each ALTER of a table is one rebuild x every shard: fold changes to one table into one
// ALTER statement.
import { isAlterLike } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

export const multipleAlters: SqlLintRule = {
  id: 'sql/multiple-alters',
  defaultSeverity: 'warn',
  description: 'Several ALTERs (or CREATE/DROP INDEX) of one table in one migration: each rebuilds every shard; combine them.',
  check({ statements }) {
    const out = [];
    const seen = new Map<string, number>();
    for (const st of statements) {
      if (!isAlterLike(st)) continue;
      const table = st.tables[0]!;
      const first = seen.get(table);
      if (first !== undefined) out.push({ line: st.line, message: `${table} is altered again (first at line ${first}): combine into one ALTER` });
      else seen.set(table, st.line);
    }
    return out;
  },
};
