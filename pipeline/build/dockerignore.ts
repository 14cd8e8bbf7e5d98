// .dockerignore as the Docker engine reads it on Linux (moby's dockerignore.ReadAll and
// patternmatcher): a `#` comment only in the first column, patterns trimmed and cleaned,
// matching case-sensitive, and a pattern Go's filepath.Match rejects is an error naming the
// line. Matching itself is @balena/dockerignore, a port of the same moby code.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignoreModule, { type Ignore } from '@balena/dockerignore';
import { ConfigError, type ConfigProblem } from '../core/errors.js';

// The package is CommonJS with `factory.default = factory`: take `.default` under either interop.
const ignoreFactory = ((ignoreModule as unknown as { default?: unknown }).default ?? ignoreModule) as (opts?: { ignorecase?: boolean }) => Ignore;

export interface DockerignorePattern {
  /** The pattern as the matcher gets it (`!` kept for exceptions). */
  pattern: string;
  line: number;
}

/** Parse a .dockerignore text; throws a ConfigError naming `file:LINE` for every bad pattern. */
export function parseDockerignore(text: string, file = '.dockerignore'): DockerignorePattern[] {
  const out: DockerignorePattern[] = [];
  const problems: ConfigProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.startsWith('#')) return;
    let pattern = raw.trim();
    if (!pattern) return;
    const exception = pattern.startsWith('!');
    if (exception) pattern = pattern.slice(1).trim();
    if (!pattern) {
      problems.push({ position: { file, line, column: 1 }, path: '', message: 'illegal exclusion pattern "!"', hint: 'write the path to keep after the "!", or remove the line' });
      return;
    }
    const bad = goPatternError(pattern);
    if (bad) {
      problems.push({ position: { file, line, column: 1 }, path: '', message: `bad pattern ${JSON.stringify(raw.trim())}: ${bad}`, hint: 'escape a literal [ ] or \\ with a backslash, e.g. \\[' });
      return;
    }
    const full = (exception ? '!' : '') + pattern;
    try {
      matcherFor([full]).ignores('probe');
    } catch (e) {
      problems.push({ position: { file, line, column: 1 }, path: '', message: `bad pattern ${JSON.stringify(raw.trim())}: ${(e as Error).message}`, hint: 'check character ranges such as [a-z]' });
      return;
    }
    out.push({ pattern: full, line });
  });
  if (problems.length) throw new ConfigError(problems);
  return out;
}

/** Read and parse `<dir>/.dockerignore`; no file means no patterns. `label` names it in errors. */
export async function loadDockerignore(dir: string, label = '.dockerignore'): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(dir, '.dockerignore'), 'utf8');
  } catch {
    return [];
  }
  return parseDockerignore(text, label).map((p) => p.pattern);
}

/** A matcher over parsed patterns, case-sensitive as the engine is on Linux. */
export function matcherFor(patterns: readonly string[]): Ignore {
  const ig = ignoreFactory({ ignorecase: false });
  // The package caches answers in a plain object, where `path in cache` is true for a file
  // named `constructor` or `toString`: such a file could never be ignored. A cache without a
  // prototype answers only for paths it has seen (found by test/fuzz/dockerignore.fuzz.test.ts).
  const inner = ig as unknown as { _initCache?: () => void; _cache?: unknown };
  if (typeof inner._initCache === 'function') {
    inner._initCache = function (this: { _cache: unknown }) {
      this._cache = Object.create(null);
    };
  }
  return ig.add(patterns.map(forMatcher));
}

/**
 * The package copies `+ ( ) { } |`, and `^` outside a class, into its regular expression
 * unescaped, where they are literal in filepath.Match; a pattern that begins with `#` after trimming is
 * a pattern for the engine but a comment for the package. Escape both.
 */
function forMatcher(pattern: string): string {
  const exception = pattern.startsWith('!');
  let body = exception ? pattern.slice(1) : pattern;
  let escaped = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\' && i + 1 < body.length) {
      escaped += ch + body[i + 1]!;
      i++;
    } else if ('+(){}|'.includes(ch) || (ch === '^' && !inClass)) escaped += `\\${ch}`;
    else {
      if (ch === '[') inClass = true;
      else if (ch === ']') inClass = false;
      escaped += ch;
    }
  }
  body = escaped.startsWith('#') ? `\\${escaped}` : escaped;
  return (exception ? '!' : '') + body;
}

/**
 * Go's filepath.Match syntax check on Linux (the engine calls it on every pattern): an
 * unclosed or empty `[...]`, a range with a missing end, or a trailing `\`.
 * Returns why the pattern is bad, or undefined.
 */
export function goPatternError(pattern: string): string | undefined {
  let i = 0;
  const n = pattern.length;
  const esc = (): string | undefined => {
    // One class character: may not be empty, `-` or `]`; `\` escapes the next one.
    if (i >= n) return 'unclosed [...] class';
    if (pattern[i] === '-' || pattern[i] === ']') return 'bad character in a [...] class';
    if (pattern[i] === '\\') {
      i++;
      if (i >= n) return 'trailing backslash in a [...] class';
    }
    i += pattern.codePointAt(i)! > 0xffff ? 2 : 1;
    if (i >= n) return 'unclosed [...] class';
    return undefined;
  };
  while (i < n) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      i++;
      if (i >= n) return 'trailing backslash';
      i++;
    } else if (ch === '[') {
      i++;
      if (i < n && pattern[i] === '^') i++;
      let ranges = 0;
      for (;;) {
        if (i < n && pattern[i] === ']' && ranges > 0) {
          i++;
          break;
        }
        const lo = esc();
        if (lo) return lo;
        if (pattern[i] === '-') {
          i++;
          const hi = esc();
          if (hi) return hi;
        }
        ranges++;
      }
    } else i++;
  }
  return undefined;
}
