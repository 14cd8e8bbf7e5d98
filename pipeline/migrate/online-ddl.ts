// Online DDL: which ALTER algorithms to try, in order, for one statement (pure), and the
// splitting of ALTER specifications that effects.ts also uses.

export type Algorithm = 'INSTANT' | 'INPLACE' | 'COPY';

export interface DdlVariant {
  algorithm: Algorithm | 'AS_WRITTEN';
  sql: string;
}

/** Split `a, b(c, d), 'x,y'` at top-level commas. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** Strip comments and a trailing semicolon; keep the statement text otherwise. */
export function stripSql(sql: string): string {
  return sql
    .replace(/\/\*(?!!)[\s\S]*?\*\//g, ' ')
    .replace(/(^|\s)(--\s|#)[^\n]*/g, '$1')
    .trim()
    .replace(/;\s*$/, '')
    .trim();
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
    if (/\bPARTITION\b/i.test(alter[2] ?? '')) return { variants: [{ algorithm: 'AS_WRITTEN', sql: body }], shape };
    const hasLock = specs.some((s) => /^LOCK\s*=?/i.test(s));
    const variants: DdlVariant[] = [];
    // A newline before the option ends any trailing `--` comment the plan kept.
    if (!specs.some((s) => NEVER_INSTANT.test(s))) variants.push({ algorithm: 'INSTANT', sql: `${body}\n, ALGORITHM=INSTANT` });
    variants.push({ algorithm: 'INPLACE', sql: `${body}\n, ALGORITHM=INPLACE${hasLock ? '' : ', LOCK=NONE'}` });
    if (allowCopyAlter) variants.push({ algorithm: 'COPY', sql: `${body}\n, ALGORITHM=COPY` });
    return { variants, shape };
  }
  if (CREATE_INDEX_RE.test(body) && !/\bALGORITHM\b/i.test(body)) {
    return { variants: [{ algorithm: 'INPLACE', sql: `${body}\n ALGORITHM=INPLACE LOCK=NONE` }], shape: 'create-index' };
  }
  return { variants: [{ algorithm: 'AS_WRITTEN', sql: body }], shape: 'other' };
}

/** Refusal message when no online algorithm works and copy is not allowed. */
export function copyRefusal(sql: string): string {
  return `no online algorithm (INSTANT or INPLACE, LOCK=NONE) can run this ALTER; it would copy the table and block writes: rewrite it, or set migrate.allowCopyAlter: true (${stripSql(sql).slice(0, 80)})`;
}
