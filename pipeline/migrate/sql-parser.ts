// node-sql-parser behind one function: parse one MySQL statement into a plain AST. The
// AST is handled as loose JSON (the library's types cover only part of MySQL's DDL).
import NodeSqlParser from 'node-sql-parser';
import { isSignificant, tokenize } from './sql-tokens.js';

export type SqlAst = Record<string, unknown>;

export class SqlParseError extends Error {
  constructor(
    message: string,
    /** 1-based line inside the statement, when the parser knows it. */
    readonly line: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const parser = new NodeSqlParser.Parser();

/** Parse exactly one MySQL statement. */
export function parseMySql(sql: string): SqlAst {
  let ast: unknown;
  try {
    ast = parser.astify(sql, { database: 'MySQL' });
  } catch (e) {
    const known = parseUnsupported(sql);
    if (known) return known;
    const loc = (e as { location?: { start?: { line?: number } } }).location?.start?.line;
    const first = ((e as Error).message ?? String(e)).split('\n')[0] ?? '';
    throw new SqlParseError(shorten(first), loc, { cause: e });
  }
  const list = Array.isArray(ast) ? ast : [ast];
  if (list.length !== 1 || !list[0] || typeof list[0] !== 'object') throw new SqlParseError('expected exactly one statement', undefined);
  return unescapeIdentifiers(list[0]) as SqlAst;
}

const IDENTIFIER_KEYS = new Set(['db', 'table', 'column', 'as', 'constraint', 'index', 'key']);

/** The parser keeps `` `a``b` `` as "a``b": names are "a`b", as the server (and our tokenizer) read them. */
function unescapeIdentifiers(node: unknown): unknown {
  if (Array.isArray(node)) {
    node.forEach((n, i) => (node[i] = unescapeIdentifiers(n)));
    return node;
  }
  if (!node || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string') {
      if (IDENTIFIER_KEYS.has(k) && v.includes('``')) o[k] = v.replace(/``/g, '`');
    } else o[k] = unescapeIdentifiers(v);
  }
  return o;
}

/**
 * Statements MySQL accepts that node-sql-parser's grammar does not, read exactly (token by
 * token) or not at all: `ALTER TABLE t RENAME {INDEX|KEY} a TO b`.
 */
function parseUnsupported(sql: string): SqlAst | undefined {
  let tokens;
  try {
    tokens = tokenize(sql).filter(isSignificant);
  } catch {
    return undefined;
  }
  const word = (i: number, ...w: string[]) => tokens[i]?.type === 'word' && w.includes(tokens[i].text.toUpperCase());
  const ident = (i: number) => tokens[i]?.type === 'word' || tokens[i]?.type === 'quoted';
  if (tokens.length === 8 && word(0, 'ALTER') && word(1, 'TABLE') && ident(2) && word(3, 'RENAME') && word(4, 'INDEX', 'KEY') && ident(5) && word(6, 'TO') && ident(7)) {
    return {
      type: 'alter',
      table: [{ db: null, table: tokens[2]!.value }],
      expr: [{ action: 'rename', resource: 'index', keyword: tokens[4]!.text.toLowerCase(), old_name: tokens[5]!.value, new_name: tokens[7]!.value, type: 'alter' }],
    };
  }
  return undefined;
}

function shorten(message: string): string {
  // The parser lists every token it would have accepted; keep what was found.
  const found = /but (.*) found\.?$/.exec(message);
  return found ? `unexpected ${found[1]}` : message.length > 160 ? `${message.slice(0, 160)}…` : message;
}

/** Parse one or more MySQL statements (for SQL found in application code). */
export function parseMySqlAll(sql: string): SqlAst[] {
  let ast: unknown;
  try {
    ast = parser.astify(sql, { database: 'MySQL' });
  } catch (e) {
    const loc = (e as { location?: { start?: { line?: number } } }).location?.start?.line;
    throw new SqlParseError(shorten(((e as Error).message ?? String(e)).split('\n')[0] ?? ''), loc, { cause: e });
  }
  return (Array.isArray(ast) ? ast : [ast]).filter((a): a is SqlAst => Boolean(a) && typeof a === 'object');
}
