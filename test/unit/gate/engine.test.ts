import { describe, expect, it } from 'vitest';
import { assignFingerprints } from '../../../pipeline/gate/fingerprint.js';
import { resolveRuleSettings } from '../../../pipeline/gate/settings.js';
import { globToRegExp, matchesAny } from '../../../pipeline/gate/glob.js';
import { compareVersions, parseMigrationName } from '../../../pipeline/gate/migration-files.js';
import { baselineOf, parseBaseline } from '../../../pipeline/gate/baseline.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import type { Finding, GateRule } from '../../../pipeline/gate/types.js';

const rule = (id: string, defaultSeverity: GateRule['defaultSeverity']): GateRule => ({ id, group: 'diff', defaultSeverity, description: id, check: () => [] });

describe('rule settings', () => {
  const rules = [rule('diff/a', 'error'), rule('diff/b', 'warn'), rule('diff/c', 'off')];
  it('applies severities and options from gate.rules, dropping rules that are off', () => {
    const active = resolveRuleSettings(rules, { 'diff/a': 'off', 'diff/b': { severity: 'error', options: { x: 1 } }, 'diff/c': { options: {} } });
    expect(active.map((a) => [a.rule.id, a.severity, a.options])).toEqual([['diff/b', 'error', { x: 1 }]]);
    expect(resolveRuleSettings(rules, { 'diff/c': 'warn' }).map((a) => [a.rule.id, a.severity])).toEqual([
      ['diff/a', 'error'],
      ['diff/b', 'warn'],
      ['diff/c', 'warn'],
    ]);
  });
  it('reports unknown rule ids with a suggestion', () => {
    try {
      resolveRuleSettings(rules, { 'diff/d': 'off', 'nonsense-rule-name': 'warn' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toEqual([
        { path: 'gate.rules.diff/d', message: 'unknown rule "diff/d"', hint: 'did you mean "diff/a"?' },
        { path: 'gate.rules.nonsense-rule-name', message: 'unknown rule "nonsense-rule-name"', hint: 'see docs/rules.md for the rule ids' },
      ]);
    }
  });
});

describe('rule groups', () => {
  const mixed: GateRule[] = [
    { ...rule('commit/m', 'error'), group: 'commit' },
    rule('diff/a', 'error'),
    { ...rule('dockerfile/d', 'warn'), group: 'dockerfile' },
  ];
  it('runs only the named groups, keeping each rule\'s configured severity', () => {
    expect(resolveRuleSettings(mixed, {}, ['commit']).map((a) => a.rule.id)).toEqual(['commit/m']);
    expect(resolveRuleSettings(mixed, { 'diff/a': 'warn' }, ['diff', 'dockerfile']).map((a) => [a.rule.id, a.severity])).toEqual([
      ['diff/a', 'warn'],
      ['dockerfile/d', 'warn'],
    ]);
    expect(resolveRuleSettings(mixed, {}).map((a) => a.rule.id)).toEqual(['commit/m', 'diff/a', 'dockerfile/d']);
  });
});

describe('fingerprints', () => {
  const f = (line: number, file = 'a.ts', ruleId = 'diff/x'): Finding => ({ ruleId, severity: 'error', message: 'm', file, line });
  it('ignore line numbers and whitespace, count repeated occurrences, differ by rule and file', () => {
    const text = new Map([[1, '  const  x = 1;'], [2, 'const x = 1;'], [30, 'const x = 1;  ']]);
    const a = [f(1), f(2)];
    const b = [f(30), f(1)];
    assignFingerprints(a, (x) => text.get(x.line!) ?? '');
    assignFingerprints(b, (x) => text.get(x.line!) ?? '');
    expect(a[0]!.fingerprint).toBe(b[0]!.fingerprint);
    expect(a[1]!.fingerprint).toBe(b[1]!.fingerprint);
    expect(a[0]!.fingerprint).not.toBe(a[1]!.fingerprint);
    const other = [f(1, 'b.ts'), f(1, 'a.ts', 'diff/y')];
    assignFingerprints(other, () => 'const x = 1;');
    expect(new Set([...a, ...other].map((x) => x.fingerprint)).size).toBe(4);
  });
  it('keeps a fingerprint a rule set as its anchor', () => {
    const x: Finding = { ruleId: 'r', severity: 'warn', message: 'm', fingerprint: 'anchor' };
    const y: Finding = { ruleId: 'r', severity: 'warn', message: 'other', fingerprint: 'anchor' };
    assignFingerprints([x], () => 'a');
    assignFingerprints([y], () => 'b');
    expect(x.fingerprint).toBe(y.fingerprint);
  });
});

describe('baseline file', () => {
  it('round-trips and rejects malformed files with a hint', () => {
    const file = baselineOf([{ ruleId: 'r', severity: 'error', message: 'm', file: 'a', fingerprint: 'f1' }]);
    expect(parseBaseline('b.json', JSON.stringify(file))).toEqual(new Set(['f1']));
    expect(() => parseBaseline('b.json', '{nope')).toThrow(ConfigError);
    expect(() => parseBaseline('b.json', '{"schemaVersion":2,"findings":[]}')).toThrow(/regenerate/);
  });
});

describe('path globs', () => {
  it('match like .gitignore: bare names at any depth, ** across folders', () => {
    expect(matchesAny('.env', ['.env'])).toBe(true);
    expect(matchesAny('config/.env', ['.env'])).toBe(true);
    expect(matchesAny('config/.env.example', ['.env'])).toBe(false);
    expect(matchesAny('keys/server.pem', ['**/*.pem'])).toBe(true);
    expect(matchesAny('server.pem', ['**/*.pem'])).toBe(true);
    expect(matchesAny('docs/img/a.png', ['docs/**'])).toBe(true);
    expect(matchesAny('src/docs/a.png', ['docs/**'])).toBe(false);
    expect(globToRegExp('src/*.ts').test('src/a/b.ts')).toBe(false);
    expect(globToRegExp('a?c.(x)').test('abc.(x)')).toBe(true);
  });
});

describe('migration names', () => {
  it('parse V<version>__<desc>.sql and compare versions numerically', () => {
    expect(parseMigrationName('migrations/V1_2__add_col.sql')).toEqual({ version: [1, 2], versionText: '1_2', description: 'add_col' });
    expect(parseMigrationName('migrations/v1__lower.sql')).toBeUndefined();
    expect(parseMigrationName('migrations/V1_add.sql')).toBeUndefined();
    // One rule with the migrate stage, which refuses a description with whitespace.
    expect(parseMigrationName('migrations/V1__a b.sql')).toBeUndefined();
    expect(parseMigrationName('migrations/V1__a\tb.sql')).toBeUndefined();
    expect(compareVersions([1, 10], [1, 9])).toBeGreaterThan(0);
    expect(compareVersions([2], [2, 0])).toBe(0);
    expect(compareVersions([3], [10])).toBeLessThan(0);
  });
});
