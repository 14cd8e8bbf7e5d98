// Logical -> physical rewrite. node-sql-parser ANALYSES each statement (its type and every
// table it names); the output is the ORIGINAL text with only the table-name tokens replaced,
// so comments, spacing, options the parser ignores and string literals stay exactly as
// written. Every rewrite is checked by parsing the result and comparing its AST with the
// original's: a rewrite that is not provably a pure rename is an error, never a guess.
//
// Statements naming several tables:
// - sharded + sharded (FOREIGN KEY between two sharded tables, RENAME TABLE, DROP a, b):
//   shards are paired BY INDEX within each database, which requires both tables to have the
//   same databases and the same number of copies in each; otherwise the statement is refused.
// - sharded + broadcast referenced (e.g. a FOREIGN KEY to a broadcast table): allowed, the
//   broadcast table keeps its name (it exists in every database).
// - a broadcast or single statement that names a sharded table, a single table referenced
//   from a database it is not in, or a DROP/TRUNCATE/RENAME mixing table kinds: refused.
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import type { MigrationStatement } from './migration-files.js';
import { parseMySql, SqlParseError, type SqlAst } from './sql-parser.js';
import { isSignificant, tokenize, type Token } from './sql-tokens.js';
import { DmlRoutingError, routeShardedDml } from './dml-routing.js';
import { physicalObjectName } from './object-names.js';
import { copiesByDatabase, physicalShardNames, sameLayout, type LogicalTable, type Topology } from './topology.js';

export interface AnalyzedStatement extends MigrationStatement {
  file: string;
  /** Statement type from the parser: create, alter, drop, rename, truncate, insert, update, delete, replace, select. */
  type: string;
  /** For create/drop: table or index. */
  keyword?: string;
  kind: 'ddl' | 'dml';
  ast: SqlAst;
  /** Every table the statement names, the one it acts on first. */
  tables: string[];
  /** Tables the statement changes (the rest are only referenced). */
  targets: string[];
}

const DML = new Set(['insert', 'replace', 'update', 'delete', 'select']);
const DDL = new Set(['create', 'alter', 'drop', 'rename', 'truncate']);

function problem(file: string, line: number, message: string, hint?: string): ConfigProblem {
  return { path: '', message, position: { file, line, column: 1 }, ...(hint ? { hint } : {}) };
}

/** Parse and classify one statement; a ConfigError (file:line) when the parser cannot read it. */
export function analyzeStatement(file: string, st: MigrationStatement): AnalyzedStatement {
  let ast: SqlAst;
  try {
    ast = parseMySql(st.sql);
  } catch (e) {
    if (!(e instanceof SqlParseError)) throw e;
    throw new ConfigError(
      [
        problem(
          file,
          st.line + (e.line ?? 1) - 1,
          `statement ${st.number} cannot be parsed as MySQL: ${e.message}`,
          'shardship only runs statements it can analyse; rewrite it in a form the MySQL grammar accepts (e.g. one ALTER per change)',
        ),
      ],
      { cause: e },
    );
  }
  const type = typeof ast.type === 'string' ? ast.type.toLowerCase() : '';
  if (!DML.has(type) && !DDL.has(type)) {
    throw new ConfigError([problem(file, st.line, `statement ${st.number} (${type.toUpperCase() || 'unknown'}) is not a table change`, 'migrations hold DDL and data changes on logical tables only')]);
  }
  const refs = collectTables(ast);
  const qualified = refs.find((r) => r.db !== null);
  if (qualified) {
    throw new ConfigError([
      problem(file, st.line, `statement ${st.number} names ${qualified.db}.${qualified.table}: a database-qualified table`, 'write the logical table name alone; shardship picks the physical databases'),
    ]);
  }
  const tables = [...new Set(refs.map((r) => r.table))];
  if (tables.length === 0 && ast.keyword === 'trigger') {
    throw new ConfigError([problem(file, st.line, `statement ${st.number}: triggers are not managed by shardship migrations`, 'create and drop triggers by hand on the tables that are not sharded')]);
  }
  if (tables.length === 0) throw new ConfigError([problem(file, st.line, `statement ${st.number} names no table`)]);
  const keyword = typeof ast.keyword === 'string' ? ast.keyword.toLowerCase() : undefined;
  const allTargets = type === 'rename' || type === 'truncate' || (type === 'drop' && keyword === 'table') || refs.some((r) => r.renameTo);
  return {
    ...st,
    file,
    type,
    ...(keyword ? { keyword } : {}),
    kind: DML.has(type) ? 'dml' : 'ddl',
    ast,
    tables,
    targets: allTargets ? tables : tables.slice(0, 1),
  };
}

interface TableRef {
  db: string | null;
  table: string;
  renameTo?: boolean;
}

/** Every table reference in an AST, in document order (the statement's own table comes first). */
export function collectTables(ast: unknown): TableRef[] {
  const out: TableRef[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.table === 'string' && 'db' in o && o.type !== 'column_ref') {
      out.push({ db: typeof o.db === 'string' ? o.db : null, table: o.table });
    } else if (o.action === 'rename' && o.resource === 'table' && typeof o.table === 'string') {
      out.push({ db: null, table: o.table, renameTo: true });
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'loc') walk(v);
  };
  walk(ast);
  return out;
}

/** One physical statement for one database, before numbering. */
export interface RoutedStatement {
  sql: string;
  logicalTable: string;
  physicalTable: string;
}

/**
 * Route an analysed statement through the topology: database -> the physical statements
 * to run there, in order. Throws a ConfigError (file:line) for unknown tables and for
 * statements that cannot be routed consistently.
 */
export function routeStatement(st: AnalyzedStatement, topology: Topology): Map<string, RoutedStatement[]> {
  const fail = (message: string, hint?: string): never => {
    throw new ConfigError([problem(st.file, st.line, `statement ${st.number}: ${message}`, hint)]);
  };
  // Triggers and views are database-scoped objects the proxy does not route: one per physical
  // table would need per-table names and bodies naming physical tables. Refused with the reason.
  if (st.keyword === 'trigger' || st.keyword === 'view') {
    const sharded = Object.values(topology.tables).filter((t) => t.kind === 'sharded');
    const named = findTableTokens(st.sql, new Set(sharded.map((t) => t.name)));
    const hit = [...named.tableAt][0];
    if (hit) {
      fail(
        `a ${st.keyword} on sharded table ${hit.value} is refused: it would be one ${st.keyword} per physical table, named per table, with a body naming physical tables`,
        st.keyword === 'trigger' ? 'do this in the application, or on a broadcast or single table' : 'query the logical table through the proxy instead, or define the view on broadcast or single tables',
      );
    }
    if (st.type === 'drop' || st.keyword === 'trigger') fail(`${st.keyword}s are not managed by shardship migrations`, 'create and drop triggers by hand on the tables that are not sharded');
  }
  if (st.type === 'create' && st.keyword === 'table' && st.ast.query_expr) {
    const target = topology.tables[st.tables[0]!];
    if (target?.kind === 'sharded') {
      fail(
        `CREATE TABLE ... AS SELECT on sharded table ${target.name} is refused: each copy would take the rows of whatever its statement selects, not the rows that belong to it`,
        `create the table with its columns (or CREATE TABLE ${target.name} LIKE ...), then fill it with routed INSERT ... VALUES`,
      );
    }
  }
  let physicalNames: Map<string, string> | undefined;
  const resolved: LogicalTable[] = st.tables.map((name) => {
    const table = topology.tables[name];
    if (table) return table;
    // A physical shard name written by hand: the fix is the logical name, not a new declaration.
    const logical = (physicalNames ??= physicalShardNames(topology)).get(name);
    if (logical !== undefined) {
      return fail(
        `"${name}" is a physical table of "${logical}": use the logical name ${logical}`,
        `migrations are written against logical tables; shardship runs the statement on every physical copy of ${logical}`,
      );
    }
    const otherCase = Object.keys(topology.tables).find((t) => t.toLowerCase() === name.toLowerCase());
    return fail(
      `table "${name}" is not in the topology of environment "${topology.environment}"`,
      otherCase !== undefined
        ? `table names are case-sensitive: did you mean ${otherCase}?`
        : `declare it under migrate.environments.${topology.environment}.tables (kind sharded, broadcast or single) before a migration uses it`,
    );
  });
  const anchor = resolved[0]!;
  const out = new Map<string, RoutedStatement[]>();
  const others = resolved.slice(1);

  if (anchor.kind === 'sharded' && st.kind === 'dml') return routeDml(st, anchor, others, fail);
  if (anchor.kind === 'sharded') {
    const layout = copiesByDatabase(anchor);
    const sharded = others.filter((t) => t.kind === 'sharded');
    for (const t of sharded) {
      // Pairing by position is right only when a row of each with the same key lands in paired
      // shards: same layout and the same sharding columns (binding tables are checked for this).
      if (!sameLayout(anchor, t)) {
        fail(
          `"${anchor.name}" and "${t.name}" are sharded differently; a statement naming both pairs their shards by index`,
          'give both tables the same databases, the same number of physical tables in each and the same sharding columns (declare them in bindingTables), or split the statement',
        );
      }
    }
    for (const t of others) {
      if (t.kind === 'sharded') continue;
      if (st.targets.includes(t.name)) fail(`it changes both sharded "${anchor.name}" and ${t.kind} "${t.name}"`, 'write one statement per table');
      if (t.kind === 'single') {
        const db = t.physical[0]!.database;
        if ([...layout.keys()].some((d) => d !== db)) fail(`sharded "${anchor.name}" refers to single table "${t.name}", which only exists in ${db}`, 'make the referenced table broadcast');
      }
    }
    const rewriter = new StatementRewriter(st, [anchor.name, ...sharded.map((t) => t.name)]);
    const otherLayouts = sharded.map((t) => [t.name, copiesByDatabase(t)] as const);
    for (const [db, copies] of layout) {
      const list: RoutedStatement[] = [];
      copies.forEach((copy, i) => {
        const mapping = new Map<string, string>();
        mapping.set(anchor.name, copy.physicalTable);
        for (const [name, other] of otherLayouts) mapping.set(name, other.get(db)![i]!.physicalTable);
        list.push({ sql: rewriter.rewrite(mapping), logicalTable: anchor.name, physicalTable: copy.physicalTable });
      });
      out.set(db, list);
    }
    return out;
  }

  for (const t of others) {
    if (t.kind === 'sharded') fail(`${anchor.kind} table "${anchor.name}" cannot be combined with sharded table "${t.name}"`, 'a sharded table can only be named together with broadcast tables or identically sharded tables');
  }
  if (anchor.kind === 'broadcast') {
    for (const t of others) {
      if (t.kind === 'single') fail(`broadcast table "${anchor.name}" runs in every database but "${t.name}" only exists in ${t.physical[0]!.database}`, 'split the statement');
    }
    for (const p of anchor.physical) out.set(p.database, [{ sql: st.sql, logicalTable: anchor.name, physicalTable: p.physicalTable }]);
    return out;
  }
  const home = anchor.physical[0]!;
  for (const t of others) {
    if (t.kind === 'single' && t.physical[0]!.database !== home.database) fail(`single tables "${anchor.name}" (${home.database}) and "${t.name}" (${t.physical[0]!.database}) live in different databases`);
  }
  out.set(home.database, [{ sql: st.sql, logicalTable: anchor.name, physicalTable: home.physicalTable }]);
  return out;
}

/** DML on a sharded table: each row (INSERT) or condition (UPDATE/DELETE) to its physical tables. */
function routeDml(st: AnalyzedStatement, anchor: LogicalTable, others: LogicalTable[], fail: (message: string, hint?: string) => never): Map<string, RoutedStatement[]> {
  const otherSharded = others.find((t) => t.kind === 'sharded');
  if (otherSharded) fail(`data change naming sharded tables "${anchor.name}" and "${otherSharded.name}" cannot be routed row by row`, 'write one statement per sharded table');
  for (const t of others) {
    if (t.kind === 'single' && [...copiesByDatabase(anchor).keys()].some((d) => d !== t.physical[0]!.database)) fail(`sharded "${anchor.name}" refers to single table "${t.name}", which only exists in ${t.physical[0]!.database}`, 'make the referenced table broadcast');
  }
  let routes;
  try {
    routes = routeShardedDml(st.sql, st.ast, anchor, Boolean(st.allShards));
  } catch (e) {
    if (e instanceof DmlRoutingError) return fail(e.message, e.hint);
    throw e;
  }
  const out = new Map<string, RoutedStatement[]>();
  for (const r of routes) {
    const mapping = new Map([[anchor.name, r.copy.physicalTable]]);
    const sql = rewriteTableNames(r.sql, mapping);
    // Prove it: the text for this copy parses to the statement with only its rows and its table name.
    let parsed: SqlAst | undefined;
    try {
      parsed = parseMySql(sql);
    } catch {
      parsed = undefined;
    }
    if (!parsed || JSON.stringify(mapTableNames(parsed, new Map([[r.copy.physicalTable, anchor.name]]), new Map())) !== JSON.stringify(r.ast)) {
      fail(`cannot rewrite this data change for ${r.copy.database}.${r.copy.physicalTable} safely`, 'a column or alias may share the table name; rename it or split the statement');
    }
    out.set(r.copy.database, [...(out.get(r.copy.database) ?? []), { sql, logicalTable: anchor.name, physicalTable: r.copy.physicalTable }]);
  }
  return out;
}

const TABLE_INTRO = new Set(['TABLE', 'EXISTS', 'ON', 'REFERENCES', 'INTO', 'UPDATE', 'FROM', 'JOIN', 'STRAIGHT_JOIN', 'LIKE', 'TRUNCATE']);

/** A statement's tokens and which of them are table names in table positions. */
export interface TableTokens {
  tokens: Token[];
  tableAt: Set<Token>;
  /** Names of database-scoped objects (FOREIGN KEY and CHECK constraints) the statement defines or drops. */
  objectAt: Set<Token>;
}

/**
 * Constraint names MySQL scopes to the database: `CONSTRAINT name FOREIGN KEY|CHECK`,
 * `FOREIGN KEY name (` (the constraint's name when no CONSTRAINT name is given),
 * `DROP FOREIGN KEY name`, `DROP CHECK name`, `DROP CONSTRAINT name`. PRIMARY KEY and UNIQUE
 * constraint names are index names, scoped to the table: kept.
 */
function findObjectTokens(sig: Token[]): Set<Token> {
  const out = new Set<Token>();
  const upper = (t: Token | undefined): string => (t && t.type === 'word' ? t.text.toUpperCase() : '');
  const isName = (t: Token | undefined): t is Token => t !== undefined && (t.type === 'quoted' || (t.type === 'word' && !['FOREIGN', 'CHECK', 'PRIMARY', 'UNIQUE', 'KEY', 'INDEX'].includes(upper(t))));
  for (let i = 0; i < sig.length; i++) {
    const w = upper(sig[i]);
    const next = sig[i + 1];
    if (w === 'CONSTRAINT' && isName(next) && ['FOREIGN', 'CHECK'].includes(upper(sig[i + 2]))) out.add(next);
    else if (w === 'FOREIGN' && upper(next) === 'KEY' && isName(sig[i + 2]) && sig[i + 3]?.text === '(' && !(upper(sig[i - 2]) === 'CONSTRAINT' && isName(sig[i - 1]))) {
      if (upper(sig[i - 1]) !== 'DROP') out.add(sig[i + 2]!);
    }
    if (w === 'DROP') {
      if (upper(next) === 'FOREIGN' && upper(sig[i + 2]) === 'KEY' && isName(sig[i + 3])) out.add(sig[i + 3]!);
      else if ((upper(next) === 'CHECK' || upper(next) === 'CONSTRAINT') && isName(sig[i + 2]) && upper(sig[i + 2]) !== 'IF') out.add(sig[i + 2]!);
      else if ((upper(next) === 'CHECK' || upper(next) === 'CONSTRAINT') && upper(sig[i + 2]) === 'IF' && isName(sig[i + 4])) out.add(sig[i + 4]!);
      else if (upper(next) === 'FOREIGN' && upper(sig[i + 3]) === 'IF' && isName(sig[i + 5])) out.add(sig[i + 5]!);
    }
  }
  return out;
}

/** Find the identifier tokens (bare or backticked) that name one of `names` in a table position. */
export function findTableTokens(sql: string, names: ReadonlySet<string>): TableTokens {
  const tokens = tokenize(sql);
  const sig = tokens.filter(isSignificant);
  const tableAt = new Set<Token>();
  const upper = (t: Token | undefined): string => (t && t.type === 'word' ? t.text.toUpperCase() : '');
  const isIdent = (t: Token | undefined): t is Token => t !== undefined && (t.type === 'word' || t.type === 'quoted');
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!;
    if (!isIdent(t) || !names.has(t.value)) continue;
    if (sig[i - 1]?.text === '.') continue; // a column or db.table: never ours
    const prev = sig[i - 1];
    const prev2 = sig[i - 2];
    const inTablePosition =
      TABLE_INTRO.has(upper(prev)) ||
      (upper(prev) === 'AS' && upper(prev2) === 'RENAME') ||
      (upper(prev) === 'TO' && (upper(prev2) === 'RENAME' || (prev2 !== undefined && tableAt.has(prev2)))) ||
      (prev?.text === ',' && prev2 !== undefined && tableAt.has(prev2)) ||
      (sig[i + 1]?.text === '.' && isIdent(sig[i + 2]));
    if (inTablePosition) tableAt.add(t);
  }
  return { tokens, tableAt, objectAt: findObjectTokens(sig) };
}

const quoteLike = (t: Token, name: string): string => (t.type === 'quoted' ? '`' + name.replace(/`/g, '``') + '`' : name);

/**
 * The original text with the table tokens replaced; backticks are kept. With `owner` (the
 * physical table the statement acts on), database-scoped object names get their per-table name.
 */
export function renderTableTokens({ tokens, tableAt, objectAt }: TableTokens, mapping: ReadonlyMap<string, string>, owner?: string): string {
  let out = '';
  for (const t of tokens) {
    const physical = tableAt.has(t) ? mapping.get(t.value) : undefined;
    if (physical !== undefined) out += quoteLike(t, physical);
    else if (owner !== undefined && objectAt.has(t)) out += quoteLike(t, physicalObjectName(t.value, owner));
    else out += t.text;
  }
  return out;
}

/** Replace table-name tokens that sit in a table position; strings, comments and columns keep their text. */
export function rewriteTableNames(sql: string, mapping: ReadonlyMap<string, string>): string {
  return renderTableTokens(findTableTokens(sql, new Set(mapping.keys())), mapping);
}

/**
 * Rewrites one statement for many physical copies. The token positions are found once and
 * proven once (with probe names) by re-parsing; every copy then only substitutes names.
 * Names that are not plain identifiers with a digit (which could be reserved words or need
 * quoting) are proven one by one.
 */
class StatementRewriter {
  private readonly tokens: TableTokens;
  private proven = false;

  constructor(
    private readonly st: AnalyzedStatement,
    private readonly names: readonly string[],
  ) {
    this.tokens = findTableTokens(st.sql, new Set(names));
  }

  /** `mapping`: logical -> physical for this copy; the first name is the table the statement acts on. */
  rewrite(mapping: Map<string, string>): string {
    const plain = [...mapping.values()].every((n) => /^[A-Za-z_][A-Za-z0-9_$]*$/.test(n) && /[0-9]/.test(n));
    if (!plain) return this.check(mapping);
    if (!this.proven) {
      const probe = new Map([...mapping.keys()].map((name, i) => [name, `shardship_probe_${i}_${name}`] as const));
      this.check(probe);
      this.proven = true;
    }
    return renderTableTokens(this.tokens, mapping, mapping.get(this.names[0]!));
  }

  /** Rewrite, then prove the result is the same statement on other tables (and other constraint names). */
  private check(mapping: Map<string, string>): string {
    const st = this.st;
    const owner = mapping.get(this.names[0]!);
    const sql = renderTableTokens(this.tokens, mapping, owner);
    const reverse = new Map<string, string>();
    for (const [logical, physical] of mapping) reverse.set(physical, logical);
    const objects = new Map<string, string>();
    if (owner !== undefined) for (const t of this.tokens.objectAt) objects.set(physicalObjectName(t.value, owner), t.value);
    let rewrittenAst: SqlAst;
    try {
      rewrittenAst = parseMySql(sql);
    } catch (e) {
      throw new ConfigError([problem(st.file, st.line, `statement ${st.number}: the rewritten statement no longer parses`, 'report this statement to shardship; meanwhile split it')], {
        cause: e,
      });
    }
    const leftover = collectTables(rewrittenAst).find((r) => mapping.has(r.table) && mapping.get(r.table) !== r.table);
    const same = JSON.stringify(mapTableNames(rewrittenAst, reverse, objects)) === JSON.stringify(st.ast);
    if (leftover || !same) {
      throw new ConfigError([
        problem(
          st.file,
          st.line,
          `statement ${st.number}: cannot rewrite every reference to ${[...mapping.keys()].join(', ')} safely`,
          'a column or alias may share the table name; rename it or split the statement',
        ),
      ]);
    }
    return sql;
  }
}

const OBJECT_NAME_KEYS = new Set(['constraint', 'key', 'index']);

function mapTableNames(node: unknown, reverse: Map<string, string>, objects: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => mapTableNames(n, reverse, objects));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'table' && typeof v === 'string') out[k] = reverse.get(v) ?? v;
    else if (OBJECT_NAME_KEYS.has(k) && typeof v === 'string') out[k] = objects.get(v) ?? v;
    else out[k] = mapTableNames(v, reverse, objects);
  }
  return out;
}
