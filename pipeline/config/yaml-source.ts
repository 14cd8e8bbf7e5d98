// Validate a YAML document against a zod schema and report every problem at its
// file:line:column, with the dotted path and a hint. Reused by every YAML input.
import { LineCounter, parseDocument, isMap, isPair, isScalar, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem, type SourcePosition } from '../core/errors.js';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return {
      path: '',
      message: e.message.split('\n')[0] ?? e.message,
      position: { file, line: pos.line, column: pos.col },
      hint: 'fix the YAML syntax at this position',
    };
  });
  if (problems.length) throw new ConfigError(problems);
  return { file, doc, lines };
}

export function positionOf(src: YamlSource, path: readonly PropertyKey[], key?: string): SourcePosition | undefined {
  let node: unknown = src.doc.contents;
  for (const seg of path) {
    if (!node || typeof node !== 'object' || !('get' in node)) break;
    const next = (node as { get(k: unknown, keep: boolean): unknown }).get(seg, true);
    if (next === undefined) break;
    node = next;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (pair && isScalar(pair.key)) node = pair.key;
  }
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  const { line, col } = src.lines.linePos(range[0]);
  return { file: src.file, line, column: col };
}

export function validateYaml<S extends z.ZodType>(src: YamlSource, schema: S): z.infer<S> {
  const data: unknown = toData(src) ?? {};
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        problems.push({
          path: dotted([...issue.path, key]),
          message: `unknown key "${key}"`,
          hint: guess ? `did you mean "${guess}"?` : known.length ? `known keys: ${known.join(', ')}` : 'remove it',
          ...withPosition(positionOf(src, issue.path, key)),
        });
      }
      continue;
    }
    problems.push({
      path: dotted(issue.path),
      message: issue.message,
      ...hintFor(issue),
      ...withPosition(positionOf(src, issue.path)),
    });
  }
  throw new ConfigError(problems);
}

/** The document as plain data; an alias bomb (nested anchors expanding past yaml's limit) is a config error. */
function toData(src: YamlSource): unknown {
  try {
    return src.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError) || !/alias/i.test(e.message)) throw e;
    let first: SourcePosition | undefined;
    visit(src.doc, {
      Alias(_key, node) {
        if (!node.range) return undefined;
        const { line, col } = src.lines.linePos(node.range[0]);
        first = { file: src.file, line, column: col };
        return visit.BREAK;
      },
    });
    throw new ConfigError(
      [
        {
          path: '',
          message: `aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies`,
          hint: 'write the repeated values out, or nest fewer aliases inside aliases',
          ...withPosition(first),
        },
      ],
      { cause: e },
    );
  }
}

/** yaml's own default: a config that needs more copies than this is an attack, not a config. */
const MAX_ALIAS_COUNT = 100;

function withPosition(position: SourcePosition | undefined): { position?: SourcePosition } {
  return position ? { position } : {};
}

function hintFor(issue: z.core.$ZodIssue): { hint?: string } {
  if (issue.code === 'invalid_value' && 'values' in issue) return { hint: `use one of: ${issue.values.map(String).join(', ')}` };
  if (issue.code === 'invalid_type') return { hint: `expected ${issue.expected}` };
  if (issue.code === 'invalid_union') return { hint: 'see `shardship config schema` for the accepted shapes' };
  return {};
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Keys an object schema accepts at `path`, found by walking the zod definition. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let cur: unknown = schema;
  for (const seg of [...path, null]) {
    cur = unwrap(cur);
    const def = (cur as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return [];
    if (seg === null) {
      return def.type === 'object' ? Object.keys(def.shape as object) : [];
    }
    if (def.type === 'object') cur = (def.shape as Record<string, unknown>)[String(seg)];
    else if (def.type === 'record') cur = def.valueType;
    else if (def.type === 'array') cur = def.element;
    else return [];
  }
  return [];
}

function unwrap(s: unknown): unknown {
  for (;;) {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return s;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else return s;
  }
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best !== undefined && bestDist <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
