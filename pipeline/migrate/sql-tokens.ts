// A small MySQL-aware tokenizer. It knows just enough (strings, comments, backticked
// identifiers) to split a file into statements and to replace table-name tokens without
// touching anything else; the real parser (node-sql-parser) does the analysis.

export type TokenType = 'ws' | 'comment' | 'string' | 'quoted' | 'word' | 'number' | 'punct';

export interface Token {
  type: TokenType;
  /** Exact source text of the token. */
  text: string;
  /** Identifier value: unquoted text for `quoted`, the text itself for `word`. */
  value: string;
  start: number;
  end: number;
  /** 1-based line of the token's first character. */
  line: number;
}

export class TokenizeError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const WORD_START = /[A-Za-z_$@\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$@\u0080-\uffff]/;

export function tokenize(text: string, firstLine = 1): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = firstLine;
  const push = (type: TokenType, end: number, value?: string): void => {
    const t = text.slice(i, end);
    tokens.push({ type, text: t, value: value ?? t, start: i, end, line });
    for (const ch of t) if (ch === '\n') line++;
    i = end;
  };
  while (i < text.length) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (/\s/.test(ch)) {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      push('ws', j);
    } else if ((ch === '-' && next === '-' && (i + 2 >= text.length || /\s/.test(text[i + 2]!))) || ch === '#') {
      let j = text.indexOf('\n', i);
      if (j < 0) j = text.length;
      push('comment', j);
    } else if (ch === '/' && next === '*') {
      const j = text.indexOf('*/', i + 2);
      if (j < 0) throw new TokenizeError('unterminated /* comment', line);
      push('comment', j + 2);
    } else if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new TokenizeError(`unterminated ${ch === '`' ? 'backticked identifier' : 'string'}`, line);
        const c = text[j]!;
        if (c === '\\' && ch !== '`') {
          value += text.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (c === ch) {
          if (text[j + 1] === ch) {
            value += ch;
            j += 2;
            continue;
          }
          break;
        }
        value += c;
        j++;
      }
      push(ch === '`' ? 'quoted' : 'string', j + 1, value);
    } else if (/[0-9]/.test(ch) || (ch === '.' && next !== undefined && /[0-9]/.test(next) && !isIdentifierBefore(tokens))) {
      let j = i + 1;
      while (j < text.length && /[0-9A-Za-z_.]/.test(text[j]!)) {
        // a dot followed by a letter after digits is `1.e3`-ish; identifiers like 1abc are words in MySQL, rare in DDL
        j++;
      }
      const t = text.slice(i, j);
      push(/^[0-9]+[A-Za-z_]/.test(t) && !/^0x/i.test(t) && !/^[0-9.]+e[0-9]+$/i.test(t) ? 'word' : 'number', j);
    } else if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < text.length && WORD_PART.test(text[j]!)) j++;
      push('word', j);
    } else {
      push('punct', i + 1);
    }
  }
  return tokens;
}

function isIdentifierBefore(tokens: Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return last !== undefined && (last.type === 'word' || last.type === 'quoted');
}

export const isSignificant = (t: Token): boolean => t.type !== 'ws' && t.type !== 'comment';

export interface RawStatement {
  /** The statement's text, from its first to its last significant token (no trailing `;`). */
  sql: string;
  /** 1-based line of its first significant token in the file. */
  line: number;
  /** Offset of `sql` in the file. */
  start: number;
}

export interface SplitFile {
  statements: RawStatement[];
  /** Every comment with its line (waivers are comments). */
  comments: { line: number; text: string }[];
}

/** Split a SQL file at top-level `;` (strings and comments are respected). */
export function splitStatements(text: string): SplitFile {
  const tokens = tokenize(text);
  const statements: RawStatement[] = [];
  const comments = tokens.filter((t) => t.type === 'comment').map((t) => ({ line: t.line, text: t.text }));
  let first: Token | undefined;
  let last: Token | undefined;
  const flush = (): void => {
    if (first && last) statements.push({ sql: text.slice(first.start, last.end), line: first.line, start: first.start });
    first = undefined;
    last = undefined;
  };
  for (const t of tokens) {
    if (t.type === 'punct' && t.text === ';') {
      flush();
      continue;
    }
    if (!isSignificant(t)) continue;
    first ??= t;
    last = t;
  }
  flush();
  return { statements, comments };
}
