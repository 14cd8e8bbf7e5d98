// SQL passed to .query()/.execute() that reads or writes a sharded table without pinning
// its shard key (WHERE key = ... / key IN (...), or INSERT listing the key) is sent to
// every shard by the sharding proxy: a scatter query. Template expressions become `?`.
import type { Rule } from 'eslint';
import type { CallExpression, Node as EsNode } from 'estree';
import { parseMySqlAll, type SqlAst } from '../../../pipeline/migrate/sql-parser.js';
import { optionsSchema, readOptions, shardingColumnsOf } from './options.js';

type Json = Record<string, unknown>;

function colName(c: unknown): string | undefined {
  const col = (c as Json | undefined)?.column;
  if (typeof col === 'string') return col;
  const v = (col as { expr?: { value?: unknown } } | undefined)?.expr?.value;
  return typeof v === 'string' ? v : undefined;
}

/** Whether `where` forces `key` to specific values for a table known as one of `names`. */
export function constrainsKey(where: unknown, key: string, names: Set<string>): boolean {
  const w = where as Json | null | undefined;
  if (!w || typeof w !== 'object') return false;
  const op = typeof w.operator === 'string' ? w.operator.toUpperCase() : '';
  if (w.type === 'binary_expr' && op === 'AND') return constrainsKey(w.left, key, names) || constrainsKey(w.right, key, names);
  if (w.type === 'binary_expr' && op === 'OR') return constrainsKey(w.left, key, names) && constrainsKey(w.right, key, names);
  const isKey = (side: unknown): boolean => {
    const s = side as Json | undefined;
    return s?.type === 'column_ref' && colName(s) === key && (s.table === null || s.table === undefined || (typeof s.table === 'string' && names.has(s.table)));
  };
  if (w.type === 'binary_expr' && (op === '=' || op === '<=>')) return (isKey(w.left) && !isKey(w.right)) || (isKey(w.right) && !isKey(w.left));
  if (w.type === 'binary_expr' && op === 'IN') return isKey(w.left);
  return false;
}

/**
 * Sharded tables a statement touches without constraining every column that picks its shard
 * (the database's and the table's sharding columns), with the columns left unconstrained.
 */
export function unshardedTables(ast: SqlAst, sharded: Record<string, string | string[]>): { table: string; missing: string[] }[] {
  const out: { table: string; missing: string[] }[] = [];
  const columnsOf = (table: string): string[] => {
    const v = sharded[table];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const o = node as Json;
    const type = o.type;
    if (type === 'select' || type === 'update' || type === 'delete') {
      const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
      const sources = [...list(o.from), ...(type === 'update' ? list(o.table) : [])];
      for (const src of sources) {
        const table = typeof src.table === 'string' ? src.table : undefined;
        const keys = table ? columnsOf(table) : [];
        if (!table || !keys.length) continue;
        const names = new Set([table, ...(typeof src.as === 'string' ? [src.as] : [])]);
        const missing = keys.filter((key) => !constrainsKey(o.where, key, names));
        if (missing.length) out.push({ table, missing });
      }
    }
    if (type === 'insert' || type === 'replace') {
      const target = Array.isArray(o.table) ? (o.table[0] as Json | undefined) : undefined;
      const table = typeof target?.table === 'string' ? target.table : undefined;
      const keys = table ? columnsOf(table) : [];
      if (table && keys.length) {
        const columns: (string | undefined)[] = Array.isArray(o.columns)
          ? (o.columns as unknown[]).map((c) => (typeof c === 'string' ? c : colName({ column: c })))
          : Array.isArray(o.set)
            ? (o.set as unknown[]).map((s) => colName(s))
            : [];
        const missing = keys.filter((key) => !columns.includes(key));
        if (missing.length) out.push({ table, missing });
      }
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'loc') visit(v);
  };
  visit(ast);
  const seen = new Set<string>();
  return out.filter((u) => !seen.has(u.table) && Boolean(seen.add(u.table)));
}

function sqlOf(arg: EsNode | undefined): string | undefined {
  if (!arg) return undefined;
  if (arg.type === 'Literal' && typeof arg.value === 'string') return arg.value;
  if (arg.type === 'TemplateLiteral') return arg.quasis.map((q) => q.value.cooked ?? q.value.raw).join('?');
  // mysql2 / mysql also take { sql, values }
  if (arg.type === 'ObjectExpression') {
    for (const p of arg.properties) {
      if (p.type === 'Property' && !p.computed && p.key.type === 'Identifier' && p.key.name === 'sql') return sqlOf(p.value as EsNode);
    }
  }
  return undefined;
}

export const noUnshardedQuery: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL on a sharded table must constrain its shard key (else it scatters to every shard)' },
    schema: optionsSchema as unknown as Rule.RuleMetaData['schema'],
    messages: {
      scatter: 'query on sharded table {{table}} does not constrain shard key {{key}} (WHERE {{key}} = ? / IN (...), or INSERT listing it): it scatters to every shard (the columns that pick both the database and the table must be constrained to hit one)',
    },
  },
  create(context) {
    const opts = readOptions(context.options[0]);
    const tables = Object.keys(opts.shardedTables).filter((t) => shardingColumnsOf(opts, t).length);
    if (!tables.length) return {};
    const mentions = new RegExp(`\\b(${tables.map((t) => t.replace(/[$]/g, '\\$')).join('|')})\\b`);
    return {
      CallExpression(node: CallExpression) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || !opts.methods!.includes(callee.property.name)) return;
        const arg = node.arguments[0];
        const sql = sqlOf(arg as EsNode | undefined);
        if (!sql || !mentions.test(sql)) return;
        let asts: SqlAst[];
        try {
          asts = parseMySqlAll(sql);
        } catch {
          return; // not SQL we can read: no guess
        }
        for (const ast of asts) {
          for (const { table, missing } of unshardedTables(ast, opts.shardedTables)) {
            context.report({ node: arg as EsNode, messageId: 'scatter', data: { table, key: missing.join(', ') } });
          }
        }
      },
    };
  },
};
