// Online DDL: which ALTER algorithms to try, in order, for one statement (pure), and the
// splitting of ALTER specifications that effects.ts also uses.
import { isSignificant, tokenize } from './sql-tokens.js';

export type Algorithm = 'INSTANT' | 'INPLACE' | 'COPY';

export interface DdlVariant {
  algorithm: Algorithm | 'AS_WRITTEN';
  sql: string;
}

/**
 * Split `a, b(c, d), 'x,y'` at top-level commas. Token-aware: commas and parentheses inside
 * strings, backticked names and comments do not count.
 */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (const t of tokenize(text)) {
    if (t.type !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (t.text === ',' && depth === 0) {
      parts.push(text.slice(start, t.start).trim());
      start = t.end;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/**
 * Strip comments and a trailing semicolon; keep every other character as written. Token-aware
 * (sql-tokens.ts): `/*`, `--`, `#` and `;` inside strings and backticked names are text, not
 * syntax. Executable comments (`/*! ... *\/`, `/*M! ... *\/`) are kept: the server runs them.
 */
export function stripSql(sql: string): string {
  const tokens = tokenize(sql);
  let out = '';
  for (const t of tokens) {
    if (t.type === 'comment' && !/^\/\*M?!/.test(t.text)) out += t.text.startsWith('/*') ? ' ' : '';
    else out += t.text;
  }
  out = out.trim();
  // A trailing `;` is punctuation only outside a string: the tokenizer already told them apart.
  const last = tokenize(out).filter(isSignificant).at(-1);
  if (last?.type === 'punct' && last.text === ';') out = out.slice(0, last.start).trim();
  return out;
}

/** Whether `word` occurs as a keyword (not inside a string, comment or backticked name). */
function hasKeyword(text: string, word: string): boolean {
  return tokenize(text).some((t) => t.type === 'word' && t.text.toUpperCase() === word);
}

const IDENT = '(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)';
export const ALTER_RE = new RegExp(`^ALTER\\s+(?:ONLINE\\s+)?(?:IGNORE\\s+)?TABLE\\s+(?:IF\\s+EXISTS\\s+)?(${IDENT}(?:\\.${IDENT})?)\\s+([\\s\\S]*)$`, 'i');
const CREATE_INDEX_RE = new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:ONLINE\\s+)?(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?INDEX\\s`, 'i');

/** Specs that no server version can do INSTANT: skip straight to INPLACE (saves a round trip). */
const NEVER_INSTANT = /^(ADD\s+(UNIQUE|INDEX|KEY|FULLTEXT|SPATIAL|PRIMARY|CONSTRAINT|FOREIGN)|DROP\s+PRIMARY|CONVERT\s|ENGINE\b|FORCE\b|ORDER\s+BY)/i;

export interface AlgorithmChoice {
  variants: DdlVariant[];
  /** Set when the statement asks for a table copy that the config does not allow. */
  refused?: string;
  /** Cache key for the learned first-working algorithm: the shape of the change. */
  shape: string;
}

/**
 * The variants to try for one DDL statement. ALTER TABLE: INSTANT (when possible), then
 * INPLACE with LOCK=NONE, then COPY only when `allowCopyAlter`; an explicit ALGORITHM in the
 * statement is kept as written. CREATE INDEX gets INPLACE/LOCK=NONE. Other statements as written.
 */
export function chooseAlgorithms(sql: string, allowCopyAlter: boolean): AlgorithmChoice {
  const body = stripSql(sql);
  const alter = ALTER_RE.exec(body);
  if (alter) {
    const specs = splitTopLevel(alter[2] ?? '');
    const shape = 'alter:' + specs.map((s) => s.split(/\s+/).slice(0, 2).join(' ').toUpperCase()).join('|');
    const explicit = specs.find((s) => /^ALGORITHM\s*=?/i.test(s));
    if (explicit) {
      if (/COPY/i.test(explicit) && !allowCopyAlter) {
        return { variants: [], shape, refused: 'the statement asks for ALGORITHM=COPY (a full table copy that blocks writes); set migrate.allowCopyAlter: true to allow it' };
      }
      return { variants: [{ algorithm: 'AS_WRITTEN', sql: body }], shape };
    }
    if (hasKeyword(alter[2] ?? '', 'PARTITION')) return { variants: [{ algorithm: 'AS_WRITTEN', sql: body }], shape };
    const hasLock = specs.some((s) => /^LOCK\s*=?/i.test(s));
    const variants: DdlVariant[] = [];
    // A newline before the option ends any trailing `--` comment the plan kept.
    if (!specs.some((s) => NEVER_INSTANT.test(s))) variants.push({ algorithm: 'INSTANT', sql: `${body}\n, ALGORITHM=INSTANT` });
    variants.push({ algorithm: 'INPLACE', sql: `${body}\n, ALGORITHM=INPLACE${hasLock ? '' : ', LOCK=NONE'}` });
    if (allowCopyAlter) variants.push({ algorithm: 'COPY', sql: `${body}\n, ALGORITHM=COPY` });
    return { variants, shape };
  }
  if (CREATE_INDEX_RE.test(body) && !hasKeyword(body, 'ALGORITHM')) {
    return { variants: [{ algorithm: 'INPLACE', sql: `${body}\n ALGORITHM=INPLACE LOCK=NONE` }], shape: 'create-index' };
  }
  return { variants: [{ algorithm: 'AS_WRITTEN', sql: body }], shape: 'other' };
}

/** Refusal message when no online algorithm works and copy is not allowed. */
export function copyRefusal(sql: string): string {
  return `no online algorithm (INSTANT or INPLACE, LOCK=NONE) can run this ALTER; it would copy the table and block writes: rewrite it, or set migrate.allowCopyAlter: true (${stripSql(sql).slice(0, 80)})`;
}
