// ShardingSphere inline expressions (`loan_${0..3}.t_order_${0..15}`), expanded to plain
// names. Supported: ranges `${0..3}` (also descending), zero-padded ranges `${00..15}` that
// keep their padding, lists `${[0,2]}` / `${['a','b']}`, the `$->{...}` spelling, several
// placeholders in one name (cartesian product, left to right) and comma-separated
// alternatives at the top level. Anything else (Groovy code) is refused, never guessed.

export class InlineExpressionError extends Error {}

/**
 * The most names one expression may denote. Checked from the ranges' sizes before any name is
 * built, so `d_${0..99999}.t_${0..99999}` is refused at once instead of exhausting the heap.
 */
export const MAX_EXPANSION = 100_000;

/** A placeholder's values, not built yet: a range, or a list. */
type Values = { from: number; to: number; width: number } | { list: string[] };
type Segment = { literal: string } | { values: Values };

const sizeOf = (v: Values): number => ('list' in v ? v.list.length : Math.abs(v.to - v.from) + 1);

function build(v: Values): string[] {
  if ('list' in v) return v.list;
  const out: string[] = [];
  const step = v.from <= v.to ? 1 : -1;
  for (let n = v.from; step > 0 ? n <= v.to : n >= v.to; n += step) out.push(v.width ? String(n).padStart(v.width, '0') : String(n));
  return out;
}

/** Expand an expression into every name it denotes, in ShardingSphere order. */
export function expandInlineExpression(expression: string): string[] {
  const alternatives = splitTopLevel(expression)
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => parseSegments(a));
  // Arithmetic first: the product of the placeholder sizes, summed over alternatives.
  let total = 0;
  for (const segments of alternatives) total += segments.reduce((n, s) => ('values' in s ? n * sizeOf(s.values) : n), 1);
  if (total > MAX_EXPANSION) {
    throw new InlineExpressionError(
      `"${expression}" expands to ${total.toLocaleString('en-US')} names, over the limit of ${MAX_EXPANSION.toLocaleString('en-US')}: split the table, or check the ranges`,
    );
  }
  // A placeholder with no values makes its alternative empty: build nothing before it (found by test/fuzz).
  return alternatives.filter((segments) => segments.every((s) => !('values' in s) || sizeOf(s.values) > 0)).flatMap((segments) => cartesian(segments));
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

function evaluatePlaceholder(body: string, whole: string): Values {
  const range = /^(-?\d+)\s*\.\.\s*(-?\d+)$/.exec(body);
  if (range) {
    const [lo, hi] = [range[1]!, range[2]!];
    const from = Number(lo);
    const to = Number(hi);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new InlineExpressionError(`range \${${body}} in "${whole}" is too large`);
    // `${00..15}` keeps its padding: a bound written with a leading zero sets the width.
    const padded = (lo.length > 1 && lo.startsWith('0')) || (hi.length > 1 && hi.startsWith('0'));
    return { from, to, width: padded ? Math.max(lo.length, hi.length) : 0 };
  }
  const list = /^\[(.*)\]$/s.exec(body);
  if (list) {
    const inner = list[1]!.trim();
    if (!inner) return { list: [] };
    return { list: inner.split(',').map((raw) => {
      const item = raw.trim();
      const quoted = /^'([^']*)'$/.exec(item) ?? /^"([^"]*)"$/.exec(item);
      if (quoted) return quoted[1]!;
      if (/^[A-Za-z0-9_]+$/.test(item)) return item;
      throw new InlineExpressionError(`list item "${item}" in "${whole}" is not a number or a quoted name`);
    }) };
  }
  throw new InlineExpressionError(
    `unsupported placeholder \${${body}} in "${whole}": use a range \${0..3}, a padded range \${00..15} or a list \${[0,2]} / \${['a','b']}`,
  );
}

function cartesian(segments: Segment[]): string[] {
  let acc = [''];
  for (const s of segments) {
    if ('literal' in s) acc = acc.map((a) => a + s.literal);
    else {
      const values = build(s.values);
      acc = acc.flatMap((a) => values.map((v) => a + v));
    }
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
