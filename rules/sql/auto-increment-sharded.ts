// Each physical copy counts its own AUTO_INCREMENT, so ids clash across shards.
import { walkAst } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

export const autoIncrementSharded: SqlLintRule = {
  id: 'sql/auto-increment-sharded',
  defaultSeverity: 'error',
  description: 'AUTO_INCREMENT on a sharded table: every shard counts on its own and ids clash; use a distributed id (snowflake, ULID).',
  check({ statements, topology }) {
    const out = [];
    for (const st of statements) {
      const table = st.tables[0]!;
      if (topology?.tables[table]?.kind !== 'sharded' || (st.type !== 'create' && st.type !== 'alter')) continue;
      let found = false;
      walkAst(st.ast, (o) => {
        if (o.auto_increment) found = true;
      });
      if (found) out.push({ line: st.line, message: `AUTO_INCREMENT on sharded table ${table}: ids clash across shards` });
    }
    return out;
  },
};
