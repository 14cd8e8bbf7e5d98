// ShardingSphere inline expressions (`loan_${0..3}.t_order_${0..15}`), expanded to plain
// names. Supported: ranges `${0..3}` (also descending), zero-padded ranges `${00..15}` that
// keep their padding, lists `${[0,2]}` / `${['a','b']}`, the `$->{...}` spelling, several
// placeholders in one name (cartesian product, left to right) and comma-separated
// alternatives at the top level. Anything else (Groovy code) is refused, never guessed.

export class InlineExpressionError extends Error {}

type Segment = { literal: string } | { values: string[] };

/** Expand an expression into every name it denotes, in ShardingSphere order. */
export function expandInlineExpression(expression: string): string[] {
  const out: string[] = [];
  for (const alternative of splitTopLevel(expression)) {
    const trimmed = alternative.trim();
    if (!trimmed) continue;
    for (const name of cartesian(parseSegments(trimmed))) out.push(name);
    if (out.length > MAX_EXPANDED_NAMES) throw new InlineExpressionError(`expression expands to more than ${MAX_EXPANDED_NAMES} names`);
  }
  return out;
}

/** Split at commas that are outside `${...}`. */
function splitTopLevel(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i]!;
    if (ch === '{' && (expression[i - 1] === '$' || expression.slice(i - 3, i) === '$->')) depth++;
    else if (ch === '}' && depth > 0) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new InlineExpressionError(`unclosed \${ in "${expression}"`);
  parts.push(cur);
  return parts;
}

function parseSegments(text: string): Segment[] {
  const segments: Segment[] = [];
  const re = /\$(?:->)?\{([^}]*)\}/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) segments.push({ literal: text.slice(last, m.index) });
    segments.push({ values: evaluatePlaceholder(m[1]!.trim(), text) });
    last = m.index + m[0].length;
  }
  if (last < text.length) segments.push({ literal: text.slice(last) });
  for (const s of segments) {
    if ('literal' in s && /[${}]/.test(s.literal)) throw new InlineExpressionError(`stray "$", "{" or "}" in "${text}"`);
  }
  return segments;
}

function evaluatePlaceholder(body: string, whole: string): string[] {
  const range = /^(-?\d+)\s*\.\.\s*(-?\d+)$/.exec(body);
  if (range) {
    const [lo, hi] = [range[1]!, range[2]!];
    const from = Number(lo);
    const to = Number(hi);
    // `${00..15}` keeps its padding: a bound written with a leading zero sets the width.
    const padded = (lo.length > 1 && lo.startsWith('0')) || (hi.length > 1 && hi.startsWith('0'));
    const width = padded ? Math.max(lo.length, hi.length) : 0;
    // Counted before any name is made: `${0..7001515151515}` must not run until memory is gone (found by test/fuzz).
    if (!(Math.abs(to - from) < 100_000)) throw new InlineExpressionError(`range \${${body}} is too large (at most 100000 values)`);
    const values: string[] = [];
    const step = from <= to ? 1 : -1;
    for (let n = from; step > 0 ? n <= to : n >= to; n += step) values.push(width ? String(n).padStart(width, '0') : String(n));
    return values;
  }
  const list = /^\[(.*)\]$/s.exec(body);
  if (list) {
    const inner = list[1]!.trim();
    if (!inner) return [];
    return inner.split(',').map((raw) => {
      const item = raw.trim();
      const quoted = /^'([^']*)'$/.exec(item) ?? /^"([^"]*)"$/.exec(item);
      if (quoted) return quoted[1]!;
      if (/^[A-Za-z0-9_]+$/.test(item)) return item;
      throw new InlineExpressionError(`list item "${item}" in "${whole}" is not a number or a quoted name`);
    });
  }
  throw new InlineExpressionError(
    `unsupported placeholder \${${body}} in "${whole}": use a range \${0..3}, a padded range \${00..15} or a list \${[0,2]} / \${['a','b']}`,
  );
}

/** More names than any real topology has; several ranges in one name multiply (found by test/fuzz). */
export const MAX_EXPANDED_NAMES = 1_000_000;

function cartesian(segments: Segment[]): string[] {
  // Every partial product is built, so each must stay bounded (an empty list at the end makes the total 0).
  let count = 1;
  for (const s of segments) {
    if (!('values' in s)) continue;
    count *= s.values.length;
    if (count > MAX_EXPANDED_NAMES) throw new InlineExpressionError(`expression expands to more than ${MAX_EXPANDED_NAMES} names`);
  }
  let acc = [''];
  for (const s of segments) {
    if ('literal' in s) acc = acc.map((a) => a + s.literal);
    else acc = acc.flatMap((a) => s.values.map((v) => a + v));
  }
  return acc;
}

/** A data node `db.table` from an expanded actualDataNodes expression. */
export interface DataNode {
  database: string;
  table: string;
}

/** Expand `actualDataNodes` into database/table pairs; every item must be `db.table`. */
export function expandDataNodes(expression: string): DataNode[] {
  return expandInlineExpression(expression).map((name) => {
    const parts = name.split('.');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new InlineExpressionError(`"${name}" (from "${expression}") is not database.table`);
    }
    return { database: parts[0], table: parts[1] };
  });
}
