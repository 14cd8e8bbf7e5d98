// A unique index on a sharded table is only enforced inside each shard; unless it includes
// the shard key, two shards can hold the "same" unique value.
import { alterExprs, columnName, createDefinitions } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

const isUnique = (t: unknown): boolean => typeof t === 'string' && /^unique/i.test(t);

export const uniqueWithoutShardKey: SqlLintRule = {
  id: 'sql/unique-without-shard-key',
  defaultSeverity: 'error',
  description: 'UNIQUE index on a sharded table without the shard key: uniqueness only holds within one shard.',
  check({ statements, topology }) {
    const out = [];
    for (const st of statements) {
      const table = st.tables[0]!;
      const info = topology?.tables[table];
      if (info?.kind !== 'sharded' || !info.shardKey) continue;
      const key = info.shardKey;
      const indexes: { name: string; columns: string[] }[] = [];
      const fromDefinition = (d: Record<string, unknown>): void => {
        if (d.resource === 'column' && d.unique) indexes.push({ name: columnName(d.column) ?? '?', columns: [columnName(d.column) ?? ''] });
        else if (isUnique(d.constraint_type)) {
          const cols = Array.isArray(d.definition) ? d.definition.map((c) => columnName(c) ?? '') : [];
          indexes.push({ name: typeof d.index === 'string' ? d.index : typeof d.constraint === 'string' ? d.constraint : '(unnamed)', columns: cols });
        }
      };
      if (st.type === 'create' && st.keyword === 'table') createDefinitions(st.ast).forEach(fromDefinition);
      if (st.type === 'create' && st.keyword === 'index' && isUnique(st.ast.index_type)) {
        const cols = Array.isArray(st.ast.index_columns) ? st.ast.index_columns.map((c) => columnName(c) ?? '') : [];
        indexes.push({ name: String(st.ast.index), columns: cols });
      }
      if (st.type === 'alter') {
        for (const e of alterExprs(st.ast)) {
          if (e.create_definitions && typeof e.create_definitions === 'object') fromDefinition(e.create_definitions as Record<string, unknown>);
          else if (e.resource === 'column' && (e.action === 'add' || e.action === 'modify' || e.action === 'change')) fromDefinition(e);
        }
      }
      for (const idx of indexes) {
        if (!idx.columns.includes(key)) out.push({ line: st.line, message: `unique index ${idx.name} on sharded ${table} lacks shard key ${key}: unique per shard only` });
      }
    }
    return out;
  },
};
