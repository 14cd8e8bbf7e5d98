// MODIFY/CHANGE to a narrower or different type silently truncates or converts values on
// every shard. The previous type comes from the migrations before this one.
import { alterExprs, columnName, columnTypeOf, type ColumnType } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

const INT_RANK: Record<string, number> = { TINYINT: 1, SMALLINT: 2, MEDIUMINT: 3, INT: 4, INTEGER: 4, BIGINT: 8 };
const TEXT_RANK: Record<string, number> = { TINYTEXT: 255, TEXT: 65_535, MEDIUMTEXT: 16_777_215, LONGTEXT: 4_294_967_295 };
const STRING = new Set(['CHAR', 'VARCHAR', ...Object.keys(TEXT_RANK)]);

/** Why `to` cannot hold every value of `from`, or undefined when it can. */
export function lossOf(from: ColumnType, to: ColumnType): string | undefined {
  const f = from.dataType;
  const t = to.dataType;
  if (f in INT_RANK && t in INT_RANK) return INT_RANK[t]! < INT_RANK[f]! ? `${f} -> ${t} narrows the integer range` : undefined;
  if (STRING.has(f) && STRING.has(t)) {
    const cap = (c: ColumnType): number => TEXT_RANK[c.dataType] ?? c.length ?? 1;
    return cap(to) < cap(from) ? `${describe(from)} -> ${describe(to)} can truncate values` : undefined;
  }
  if ((f === 'DECIMAL' || f === 'NUMERIC') && (t === 'DECIMAL' || t === 'NUMERIC')) {
    const fi = (from.length ?? 10) - (from.scale ?? 0);
    const ti = (to.length ?? 10) - (to.scale ?? 0);
    return ti < fi || (to.scale ?? 0) < (from.scale ?? 0) ? `${describe(from)} -> ${describe(to)} loses digits` : undefined;
  }
  if (f === t) return (to.length ?? Infinity) < (from.length ?? Infinity) ? `${describe(from)} -> ${describe(to)} narrows the column` : undefined;
  if (f in INT_RANK && (t === 'DECIMAL' || t === 'BIGINT')) return undefined;
  return `${describe(from)} -> ${describe(to)} converts every value`;
}

function describe(c: ColumnType): string {
  return c.length !== undefined ? `${c.dataType}(${c.length}${c.scale !== undefined ? `,${c.scale}` : ''})` : c.dataType;
}

export const lossyColumnChange: SqlLintRule = {
  id: 'sql/lossy-column-change',
  defaultSeverity: 'error',
  description: 'MODIFY/CHANGE COLUMN to a narrower or different type truncates or converts data on every shard.',
  check({ statements, schema }) {
    const out = [];
    for (const st of statements) {
      if (st.type !== 'alter') continue;
      const cols = schema.get(st.tables[0]!);
      for (const e of alterExprs(st.ast)) {
        if (e.action !== 'modify' && e.action !== 'change') continue;
        const old = columnName(e.action === 'change' ? e.old_column : e.column);
        const before = old ? cols?.get(old) : undefined;
        const after = columnTypeOf(e.definition);
        const loss = before && after ? lossOf(before, after) : undefined;
        if (loss) out.push({ line: st.line, message: `${st.tables[0]}.${old}: ${loss}` });
      }
    }
    return out;
  },
};
