// The OnlineSchemaChanger port: an ALTER that no online algorithm (INSTANT, INPLACE LOCK=NONE)
// can do runs through a table-copy tool that keeps writes flowing (pt-online-schema-change,
// adapter in pipeline/pt-osc/). The executor calls it from its database job, on the session
// that holds the database's lock, so the per-node limits and resume rules of any statement hold.
import type { ShardConnection, ShardTarget } from '../core/shards.js';
import { isSignificant, tokenize, type Token } from './sql-tokens.js';

export interface CopyProgress {
  target: ShardTarget;
  table: string;
  /** 0..100, as the tool reports it. */
  percent: number;
  /** The tool's own estimate, e.g. `00:12 remain`. */
  remaining?: string;
}

export interface CopyAlterRequest {
  target: ShardTarget;
  /** Physical table to change. */
  table: string;
  /** The ALTER's specifications (what follows `ALTER TABLE <name>`). */
  alter: string;
  /** Seconds a metadata lock is waited for (migrate.lockWaitTimeout). */
  lockWaitSeconds: number;
  onProgress(p: CopyProgress): void;
}

export interface OnlineSchemaChanger {
  /** Recorded in the run report's algorithms (e.g. PT_OSC). */
  readonly algorithm: string;
  /**
   * Remove what an interrupted run of the tool left on `table` (its triggers, then its shadow
   * tables), on the session holding the database lock; returns the names it dropped.
   */
  cleanup(conn: ShardConnection, table: string): Promise<string[]>;
  /** Run the ALTER by copying the table; resolves once it is swapped in and cleaned up. */
  alter(req: CopyAlterRequest): Promise<void>;
}

/**
 * The ALTER's specifications, as the tool's `--alter` takes them: the text after
 * `ALTER TABLE <name>`, without comments and without ALGORITHM=/LOCK= clauses (the tool picks
 * how its own empty copy is altered). Token-aware: literals and quoted names are kept byte for
 * byte. Undefined for anything but an ALTER TABLE. Pure.
 */
export function copyAlterSpecs(sql: string): string | undefined {
  let tokens: Token[];
  try {
    tokens = tokenize(sql).filter((t) => t.type !== 'comment');
  } catch {
    return undefined;
  }
  const sig = tokens.map((t, i) => ({ t, i })).filter((x) => isSignificant(x.t));
  const word = (k: number, ...w: string[]) => sig[k]?.t.type === 'word' && w.includes(sig[k].t.value.toUpperCase());
  let k = 0;
  if (!word(k++, 'ALTER')) return undefined;
  while (word(k, 'ONLINE', 'IGNORE')) k++;
  if (!word(k++, 'TABLE')) return undefined;
  if (word(k, 'IF') && word(k + 1, 'EXISTS')) k += 2;
  k++; // the table name
  if (sig[k]?.t.text === '.') k += 2;
  // Top-level clauses, split at commas outside parentheses.
  const clauses: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens.slice(sig[k]?.i ?? tokens.length)) {
    if (t.type === 'punct' && t.text === '(') depth++;
    if (t.type === 'punct' && t.text === ')') depth--;
    if (t.type === 'punct' && t.text === ';' && depth === 0) break;
    if (t.type === 'punct' && t.text === ',' && depth === 0) clauses.push([]);
    else clauses[clauses.length - 1]!.push(t);
  }
  const kept = clauses
    .map((c) => c.map((t) => t.text).join('').trim())
    .filter((c) => c.length > 0 && !/^(ALGORITHM|LOCK)\b/i.test(c));
  return kept.length > 0 ? kept.join(', ') : undefined;
}
