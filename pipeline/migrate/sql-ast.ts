// Reading node-sql-parser ASTs: the small helpers the SQL lint rules share. Kept apart from
// lint.ts so loading the rules (every gate run) does not load the parser itself.
import type { AnalyzedStatement } from './rewrite.js';
import type { SqlAst } from './sql-parser.js';

export interface ColumnType {
  dataType: string;
  length?: number;
  scale?: number;
}

export function columnTypeOf(def: unknown): ColumnType | undefined {
  const d = def as { dataType?: unknown; length?: unknown; scale?: unknown } | undefined;
  if (!d || typeof d.dataType !== 'string') return undefined;
  return {
    dataType: d.dataType.toUpperCase(),
    ...(typeof d.length === 'number' ? { length: d.length } : {}),
    ...(typeof d.scale === 'number' ? { scale: d.scale } : {}),
  };
}

export function columnName(col: unknown): string | undefined {
  const c = col as { column?: unknown } | undefined;
  if (typeof c?.column === 'string') return c.column;
  const expr = (c?.column as { expr?: { value?: unknown } } | undefined)?.expr;
  return typeof expr?.value === 'string' ? expr.value : undefined;
}

export function alterExprs(ast: SqlAst): Record<string, unknown>[] {
  return Array.isArray(ast.expr) ? (ast.expr as Record<string, unknown>[]) : [];
}

export function createDefinitions(ast: SqlAst): Record<string, unknown>[] {
  return Array.isArray(ast.create_definitions) ? (ast.create_definitions as Record<string, unknown>[]) : [];
}

/** Visit every object in an AST. */
export function walkAst(node: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walkAst(n, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  visit(node as Record<string, unknown>);
  for (const v of Object.values(node as Record<string, unknown>)) walkAst(v, visit);
}

/** ALTER TABLE, CREATE INDEX and DROP INDEX all rebuild or change an existing table. */
export function isAlterLike(st: AnalyzedStatement): boolean {
  return st.type === 'alter' || ((st.type === 'create' || st.type === 'drop') && st.keyword === 'index');
}
