// ShardingSphere INLINE sharding algorithms (`ds_${user_id % 2}`, `t_order_${order_id.intdiv(2) % 4}`):
// the name a row's sharding column value routes to. The `${...}` body is a small Groovy subset,
// evaluated on integers (BigInt): + - * %, parentheses, unary minus, `.intdiv(n)`, `.abs()`,
// `Math.abs(x)`, `Math.floorMod(x, n)`, numbers and the sharding column. Anything else
// (strings, hashCode, closures) is refused when the topology is read, never guessed. Pure.

export class ShardingAlgorithmError extends Error {}

type Expr = { num: bigint } | { col: string } | { op: '+' | '-' | '*' | '%' | 'intdiv' | 'floorMod'; a: Expr; b: Expr } | { neg: Expr } | { abs: Expr };

export interface InlineAlgorithm {
  expression: string;
  /** The columns the expression reads. */
  columns: string[];
  /** The name for these column values (every column in `columns` must be given). */
  route(values: ReadonlyMap<string, bigint>): string;
}

const PLACEHOLDER = /\$(?:->)?\{([^}]*)\}/g;

export function compileAlgorithm(expression: string): InlineAlgorithm {
  const parts: (string | Expr)[] = [];
  let last = 0;
  for (const m of expression.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(expression.slice(last, m.index));
    parts.push(parseExpr(m[1]!, expression));
    last = m.index + m[0].length;
  }
  if (last < expression.length) parts.push(expression.slice(last));
  if (!parts.some((p) => typeof p !== 'string')) throw new ShardingAlgorithmError(`algorithm expression "${expression}" has no \${...} placeholder`);
  for (const p of parts) if (typeof p === 'string' && /[${}]/.test(p)) throw new ShardingAlgorithmError(`stray "$", "{" or "}" in algorithm expression "${expression}"`);
  const columns = new Set<string>();
  const collect = (e: Expr): void => {
    if ('col' in e) columns.add(e.col);
    else if ('a' in e) {
      collect(e.a);
      collect(e.b);
    }
    else if ('neg' in e) collect(e.neg);
    else if ('abs' in e) collect(e.abs);
  };
  for (const p of parts) if (typeof p !== 'string') collect(p);
  return {
    expression,
    columns: [...columns],
    route(values) {
      return parts.map((p) => (typeof p === 'string' ? p : String(evaluate(p, values, expression)))).join('');
    },
  };
}

function evaluate(e: Expr, values: ReadonlyMap<string, bigint>, whole: string): bigint {
  if ('num' in e) return e.num;
  if ('col' in e) {
    const v = values.get(e.col);
    if (v === undefined) throw new ShardingAlgorithmError(`no value for ${e.col} (in "${whole}")`);
    return v;
  }
  if ('neg' in e) return -evaluate(e.neg, values, whole);
  if ('abs' in e) {
    const v = evaluate(e.abs, values, whole);
    return v < 0n ? -v : v;
  }
  const a = evaluate(e.a, values, whole);
  const b = evaluate(e.b, values, whole);
  if ((e.op === '%' || e.op === 'intdiv' || e.op === 'floorMod') && b === 0n) throw new ShardingAlgorithmError(`division by zero in "${whole}"`);
  switch (e.op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '%': // Groovy/Java: the sign of the dividend, as BigInt
      return a % b;
    case 'intdiv':
      return a / b;
    case 'floorMod':
      return ((a % b) + b) % b;
  }
}

function parseExpr(body: string, whole: string): Expr {
  const tokens = body.match(/\s+|\d+|[A-Za-z_][A-Za-z0-9_]*|\.|\(|\)|,|[+\-*%/]|./g) ?? [];
  const toks = tokens.filter((t) => !/^\s+$/.test(t));
  let i = 0;
  const fail = (why: string): never => {
    throw new ShardingAlgorithmError(`unsupported algorithm expression "${whole}": ${why}; use integer arithmetic on the sharding column (+ - * %, .intdiv(n), .abs(), Math.abs, Math.floorMod)`);
  };
  const peek = () => toks[i];
  const eat = (t: string) => {
    if (toks[i] !== t) fail(`expected "${t}" at "${toks.slice(i).join('') || 'end'}"`);
    i++;
  };
  const sum = (): Expr => {
    let e = product();
    while (peek() === '+' || peek() === '-') {
      const op = toks[i++] as '+' | '-';
      e = { op, a: e, b: product() };
    }
    return e;
  };
  const product = (): Expr => {
    let e = unary();
    while (peek() === '*' || peek() === '%' || peek() === '/') {
      if (peek() === '/') fail('"/" is decimal division in Groovy; write .intdiv(n)');
      const op = toks[i++] as '*' | '%';
      e = { op, a: e, b: unary() };
    }
    return e;
  };
  const unary = (): Expr => {
    if (peek() === '-') {
      i++;
      return { neg: unary() };
    }
    let e = primary();
    while (peek() === '.') {
      i++;
      const method = toks[i++];
      eat('(');
      if (method === 'intdiv') {
        e = { op: 'intdiv', a: e, b: sum() };
      } else if (method === 'abs') {
        e = { abs: e };
      } else fail(`method .${method ?? ''}()`);
      eat(')');
    }
    return e;
  };
  const primary = (): Expr => {
    const t = toks[i++];
    if (t === undefined) return fail('it ends too early');
    if (/^\d+$/.test(t)) return { num: BigInt(t) };
    if (t === '(') {
      const e = sum();
      eat(')');
      return e;
    }
    if (t === 'Math' && peek() === '.') {
      i++;
      const fn = toks[i++];
      eat('(');
      const a = sum();
      if (fn === 'abs') {
        eat(')');
        return { abs: a };
      }
      if (fn === 'floorMod') {
        eat(',');
        const b = sum();
        eat(')');
        return { op: 'floorMod', a, b };
      }
      return fail(`Math.${fn ?? ''}`);
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return { col: t };
    return fail(`"${t}"`);
  };
  const e = sum();
  if (i < toks.length) fail(`unexpected "${toks.slice(i).join('')}"`);
  return e;
}
