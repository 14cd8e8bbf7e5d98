// Foreign keys cannot span shards, make online ALTERs and shard moves harder, and lock the
// parent row on every child write.
import { walkAst } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

export const foreignKey: SqlLintRule = {
  id: 'sql/foreign-key',
  defaultSeverity: 'warn',
  description: 'FOREIGN KEY / REFERENCES: cannot span shards and hampers online DDL and shard moves; enforce in code.',
  check({ statements }) {
    const out = [];
    for (const st of statements) {
      if (st.kind !== 'ddl') continue;
      let found = false;
      walkAst(st.ast, (o) => {
        if (o.reference_definition) found = true;
      });
      if (found) out.push({ line: st.line, message: `foreign key on ${st.tables[0]}` });
    }
    return out;
  },
};
