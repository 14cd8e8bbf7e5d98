// DML on a sharded table goes where its rows belong, as ShardingSphere would route it:
// - INSERT/REPLACE ... VALUES: each row through the table's database and table strategies
//   (inline algorithms) to exactly one physical table; one statement per physical table
//   holding only its rows (the rows' text as written).
// - UPDATE/DELETE: the physical tables the WHERE clause's sharding-column values route to
//   (`col = 1`, `col IN (1, 2)` on the AND path, both sides of an OR). Without such a
//   condition the statement would change every shard: refused unless marked
//   `-- shardship: all-shards`.
// Anything that cannot be routed is refused before any shard is touched. Pure.
import type { SqlAst } from './sql-parser.js';
import { isSignificant, tokenize } from './sql-tokens.js';
import { compileAlgorithm } from './sharding-algorithm.js';
import type { LogicalTable, PhysicalTableRef } from './topology.js';

export class DmlRoutingError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

/** The integer value of a literal, or undefined when it is not one (expressions, NULL, non-numeric strings). */
function literalInt(node: unknown): bigint | undefined {
  const n = node as Json | undefined;
  if (!n) return undefined;
  if (n.type === 'number' && (typeof n.value === 'number' || typeof n.value === 'string') && /^-?\d+$/.test(String(n.value))) {
    // Beyond 2^53 the parser has already rounded the number: refuse rather than route wrongly.
    if (typeof n.value === 'number' && !Number.isSafeInteger(n.value)) return undefined;
    return BigInt(n.value);
  }
  if ((n.type === 'single_quote_string' || n.type === 'string') && typeof n.value === 'string' && /^-?\d+$/.test(n.value)) return BigInt(n.value);
  if (n.type === 'unary_expr' && n.operator === '-') {
    const v = literalInt(n.expr);
    return v === undefined ? undefined : -v;
  }
  return undefined;
}

function colName(c: unknown): string | undefined {
  const col = (c as Json | undefined)?.column;
  if (typeof col === 'string') return col;
  const v = (col as { expr?: { value?: unknown } } | undefined)?.expr?.value;
  return typeof v === 'string' ? v : undefined;
}

/** The values `where` forces `column` to, or undefined when it does not constrain it to literals. */
export function constrainedValues(where: unknown, column: string, names: ReadonlySet<string>): bigint[] | undefined {
  const w = where as Json | null | undefined;
  if (!w || typeof w !== 'object') return undefined;
  const op = typeof w.operator === 'string' ? w.operator.toUpperCase() : '';
  if (w.type === 'binary_expr' && op === 'AND') return constrainedValues(w.left, column, names) ?? constrainedValues(w.right, column, names);
  if (w.type === 'binary_expr' && op === 'OR') {
    const l = constrainedValues(w.left, column, names);
    const r = constrainedValues(w.right, column, names);
    return l && r ? [...l, ...r] : undefined;
  }
  const isCol = (side: unknown): boolean => {
    const s = side as Json | undefined;
    return s?.type === 'column_ref' && colName(s)?.toLowerCase() === column.toLowerCase() && (s.table === null || s.table === undefined || (typeof s.table === 'string' && names.has(s.table)));
  };
  if (w.type === 'binary_expr' && (op === '=' || op === '<=>')) {
    if (isCol(w.left)) return wrap(literalInt(w.right));
    if (isCol(w.right)) return wrap(literalInt(w.left));
  }
  if (w.type === 'binary_expr' && op === 'IN' && isCol(w.left)) {
    const list = (w.right as Json | undefined)?.value;
    if (!Array.isArray(list)) return undefined;
    const values = list.map(literalInt);
    return values.every((v): v is bigint => v !== undefined) ? values : undefined;
  }
  return undefined;
}

const wrap = (v: bigint | undefined): bigint[] | undefined => (v === undefined ? undefined : [v]);

/** The physical copies rows with these sharding-column values can be in (undefined: nothing narrows them). */
function narrow(table: LogicalTable, values: (column: string) => bigint[] | undefined): PhysicalTableRef[] | undefined {
  let copies = table.physical;
  let narrowed = false;
  for (const [strategy, pick] of [
    [table.databaseStrategy, (p: PhysicalTableRef) => p.database],
    [table.tableStrategy, (p: PhysicalTableRef) => p.physicalTable],
  ] as const) {
    if (!strategy) continue;
    const vs = values(strategy.shardingColumn);
    if (!vs) continue;
    const algorithm = compileAlgorithm(strategy.algorithmExpression);
    const names = new Set(vs.map((v) => algorithm.route(new Map([[strategy.shardingColumn, v]]))));
    for (const name of names) {
      if (!table.physical.some((p) => pick(p) === name)) {
        throw new DmlRoutingError(
          `${strategy.shardingColumn} routes to "${name}" (${strategy.algorithmExpression}), which holds no copy of ${table.name}`,
          'the algorithm and actualDataNodes disagree: fix the topology',
        );
      }
    }
    copies = copies.filter((p) => names.has(pick(p)));
    narrowed = true;
  }
  return narrowed ? copies : undefined;
}

function requireStrategy(table: LogicalTable, what: string): void {
  if (!table.databaseStrategy && !table.tableStrategy) {
    throw new DmlRoutingError(
      `${what} on sharded table ${table.name} cannot be routed: the topology says which column routes it (${table.shardKey ?? '?'}) but not how`,
      `declare databaseStrategy/tableStrategy { shardingColumn, algorithmExpression } for ${table.name} (or the environment defaults), as in ShardingSphere`,
    );
  }
}

export interface DmlRoute {
  copy: PhysicalTableRef;
  /** The statement's text for this copy, with the logical table name (renamed by the caller). */
  sql: string;
  /** The AST this text must parse to (table names logical). */
  ast: SqlAst;
}

/** Route one DML statement on a sharded table. Throws DmlRoutingError when it cannot be routed safely. */
export function routeShardedDml(sql: string, ast: SqlAst, table: LogicalTable, allShards: boolean): DmlRoute[] {
  const type = String(ast.type).toLowerCase();
  const columns = table.shardingColumns ?? [];
  if (type === 'insert' || type === 'replace') return routeInsert(sql, ast, table, type.toUpperCase());
  if (type === 'update' || type === 'delete') {
    const verb = type.toUpperCase();
    if (type === 'update') {
      const changed = (Array.isArray(ast.set) ? (ast.set as Json[]) : []).map((s) => colName(s)).find((c) => c !== undefined && columns.some((k) => k.toLowerCase() === c.toLowerCase()));
      if (changed) throw new DmlRoutingError(`UPDATE sets sharding column ${changed} of ${table.name}: the row would belong to another shard`, 'delete the row and insert it again with its new value');
    }
    const names = new Set([table.name]);
    for (const src of [...(Array.isArray(ast.table) ? (ast.table as Json[]) : []), ...(Array.isArray(ast.from) ? (ast.from as Json[]) : [])]) {
      if (src.table === table.name && typeof src.as === 'string') names.add(src.as);
    }
    const copies = table.databaseStrategy || table.tableStrategy ? narrow(table, (c) => constrainedValues(ast.where, c, names)) : undefined;
    if (!copies) {
      if (!allShards) {
        throw new DmlRoutingError(
          `${verb} on sharded table ${table.name} has no condition on its sharding column${columns.length > 1 ? 's' : ''} (${columns.join(', ')}): it would run on every shard`,
          `add WHERE ${columns[0] ?? 'key'} = <value> (or IN (...)), or, if every shard is meant, put a \`-- shardship: all-shards\` comment on the line before the statement`,
        );
      }
      return table.physical.map((copy) => ({ copy, sql, ast }));
    }
    return copies.map((copy) => ({ copy, sql, ast }));
  }
  throw new DmlRoutingError(`${type.toUpperCase()} on sharded table ${table.name} is not a data change shardship can route`, 'migrations change data with INSERT ... VALUES, UPDATE and DELETE');
}

function routeInsert(sql: string, ast: SqlAst, table: LogicalTable, verb: string): DmlRoute[] {
  requireStrategy(table, verb);
  const values = ast.values as Json | undefined;
  const rows = values?.type === 'values' && Array.isArray(values.values) ? (values.values as Json[]) : undefined;
  const columns = Array.isArray(ast.columns) ? (ast.columns as unknown[]).map((c) => (typeof c === 'string' ? c : colName({ column: c }))) : undefined;
  if (!rows || !columns) {
    throw new DmlRoutingError(`${verb} into sharded table ${table.name} must list its columns and VALUES to be routed row by row`, `write ${verb} INTO ${table.name} (col, ...) VALUES (...), (...); INSERT ... SELECT and INSERT ... SET are not routed`);
  }
  const dup = (Array.isArray(ast.on_duplicate_update) ? ast.on_duplicate_update : (ast.on_duplicate_update as Json | null)?.set) as Json[] | undefined;
  const changed = (dup ?? []).map((s) => colName(s)).find((c) => c !== undefined && (table.shardingColumns ?? []).includes(c));
  if (changed) throw new DmlRoutingError(`ON DUPLICATE KEY UPDATE sets sharding column ${changed} of ${table.name}`, 'a row cannot change shard in place');
  const spans = valueRowSpans(sql);
  if (!spans || spans.rows.length !== rows.length) {
    throw new DmlRoutingError(`${verb} into ${table.name}: cannot find each VALUES row in the text`, 'write one plain VALUES list');
  }
  const byCopy = new Map<PhysicalTableRef, number[]>();
  rows.forEach((row, r) => {
    const items = Array.isArray(row.value) ? (row.value as unknown[]) : [];
    const valueOf = (column: string): bigint[] | undefined => {
      const i = columns.findIndex((c) => c?.toLowerCase() === column.toLowerCase());
      if (i < 0) throw new DmlRoutingError(`${verb} into ${table.name} does not set sharding column ${column}`, `list ${column} with a value in every row`);
      const v = literalInt(items[i]);
      if (v === undefined) throw new DmlRoutingError(`row ${r + 1} of ${verb} into ${table.name}: ${column} is not an integer literal`, 'shardship routes rows by literal sharding-column values only');
      return [v];
    };
    const copies = narrow(table, valueOf) ?? table.physical;
    if (copies.length !== 1) {
      throw new DmlRoutingError(
        `row ${r + 1} of ${verb} into ${table.name} fits ${copies.length} physical tables: its strategies do not pick one`,
        'declare both a databaseStrategy and a tableStrategy (unless there is one database, or one table per database)',
      );
    }
    const copy = copies[0]!;
    byCopy.set(copy, [...(byCopy.get(copy) ?? []), r]);
  });
  const out: DmlRoute[] = [];
  for (const copy of table.physical) {
    const picked = byCopy.get(copy);
    if (!picked) continue;
    const text = sql.slice(0, spans.rows[0]!.start) + picked.map((r) => sql.slice(spans.rows[r]!.start, spans.rows[r]!.end)).join(', ') + sql.slice(spans.rows.at(-1)!.end);
    out.push({ copy, sql: text, ast: { ...ast, values: { ...values, values: picked.map((r) => rows[r]) } } });
  }
  return out;
}

/** Offsets of each `( ... )` row after the top-level VALUES keyword. */
function valueRowSpans(sql: string): { rows: { start: number; end: number }[] } | undefined {
  const tokens = tokenize(sql).filter(isSignificant);
  let depth = 0;
  let i = tokens.findIndex((t) => {
    if (t.type === 'punct' && t.text === '(') depth++;
    else if (t.type === 'punct' && t.text === ')') depth--;
    return depth === 0 && t.type === 'word' && /^VALUES?$/i.test(t.text);
  });
  if (i < 0) return undefined;
  const rows: { start: number; end: number }[] = [];
  for (i++; i < tokens.length; ) {
    if (tokens[i]!.text !== '(') break;
    const start = tokens[i]!.start;
    let d = 0;
    let end = -1;
    for (; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.type === 'punct' && t.text === '(') d++;
      else if (t.type === 'punct' && t.text === ')' && --d === 0) {
        end = t.end;
        i++;
        break;
      }
    }
    if (end < 0) return undefined;
    rows.push({ start, end });
    if (tokens[i]?.text === ',') i++;
    else break;
  }
  return { rows };
}
