// .dockerignore: any text is either patterns that match without throwing, or a ConfigError naming lines.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matcherFor, parseDockerignore } from '../../pipeline/build/dockerignore.js';
import { ConfigError } from '../../pipeline/core/errors.js';
import { HOSTILE_CHARS, runs } from './settings.js';

const line = fc.array(fc.constantFrom(...HOSTILE_CHARS, '**', '*.', 'src/', '^', '-', 'a-z', '[a', '[^', '[!', '\\['), { maxLength: 8 }).map((xs) => xs.join('').replace(/[\r\n]/g, ''));
const text = fc.array(line, { maxLength: 8 }).map((ls) => ls.join('\n'));
const path = fc.array(fc.constantFrom('a', 'B', '.', '-', '+', '(', '[', ']', '\\', '*', 'é', 'src', 'x y'), { minLength: 1, maxLength: 4 }).map((segs) => segs.join('/'));

describe('.dockerignore under fuzzing', () => {
  it('parses or fails with a ConfigError naming .dockerignore:LINE; accepted patterns always match without throwing', () => {
    fc.assert(
      fc.property(text, fc.array(path, { maxLength: 5 }), (t, paths) => {
        let patterns: string[];
        try {
          patterns = parseDockerignore(t).map((p) => p.pattern);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          const n = t.split('\n').length;
          for (const p of e.problems) {
            expect(p.position?.file).toBe('.dockerignore');
            expect(p.position!.line).toBeGreaterThanOrEqual(1);
            expect(p.position!.line).toBeLessThanOrEqual(n);
          }
          return;
        }
        const ig = matcherFor(patterns);
        for (const p of paths) expect(typeof ig.ignores(p)).toBe('boolean');
      }),
      runs(500),
    );
  });

  it('a literal name always matches itself once its specials are escaped, and only with the same case', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+(){}|$.^ _-]{1,12}$/), (name) => {
        fc.pre(name.trim() === name && !name.startsWith('!') && !name.startsWith('#') && name !== '.' && name !== '..');
        const escaped = name.replace(/[\\*?[\]]/g, '\\$&');
        expect(matcherFor(parseDockerignore(escaped).map((p) => p.pattern)).ignores(name)).toBe(true);
        const flipped = name.replace(/[a-z]/, (c) => c.toUpperCase());
        if (flipped !== name) expect(matcherFor([escaped]).ignores(flipped)).toBe(false);
      }),
      runs(300),
    );
  });
});
