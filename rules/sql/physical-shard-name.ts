// Migrations are written against logical tables; a physical name (t_order_7) would run on
// every shard against one shard's table, or fail.
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';
import { tokenize } from '../../pipeline/migrate/sql-tokens.js';

export const physicalShardName: SqlLintRule = {
  id: 'sql/physical-shard-name',
  defaultSeverity: 'error',
  description: 'A physical shard table name (t_order_7) in a migration: write the logical name.',
  check({ migration, topology }) {
    if (!topology?.physicalNames.size) return [];
    const out = [];
    for (const st of migration.statements) {
      let tokens;
      try {
        tokens = tokenize(st.sql, st.line);
      } catch {
        continue;
      }
      for (const t of tokens) {
        if ((t.type === 'word' || t.type === 'quoted') && topology.physicalNames.has(t.value)) {
          out.push({ line: t.line, message: `${t.value} is a physical shard of ${topology.physicalNames.get(t.value)}: use the logical name` });
        }
      }
    }
    return out;
  },
};
