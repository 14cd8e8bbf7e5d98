// The pure decisions of code/eslint: which files, which lines, which messages, fingerprints.
import { describe, expect, it } from 'vitest';
import type { ChangedFile } from '../../../../pipeline/gate/types.js';
import type { LintMessage } from '../../../../pipeline/lint/eslint.js';
import { fingerprintOf, inScope, lintableFiles, linesInScope, parseOptions, selectFindings } from '../../../../rules/code/eslint.js';
import { codeRules } from '../../../../rules/code/index.js';
import { ConfigError } from '../../../../pipeline/core/errors.js';

const EXT = ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];

function file(path: string, over: Partial<ChangedFile> = {}): ChangedFile {
  return { path, status: 'modified', binary: false, submodule: false, addedLines: [], ...over };
}

function msg(line: number, over: Partial<LintMessage> = {}): LintMessage {
  return { ruleId: 'no-debugger', severity: 2, message: 'Unexpected debugger statement.', line, column: 1, fatal: false, ...over };
}

describe('code/eslint decisions', () => {
  it('is registered in the code rules', () => {
    expect(codeRules.map((r) => r.id)).toContain('code/eslint');
  });

  it('lints added, modified, renamed and copied files with a configured extension; not deleted, binary or submodule ones', () => {
    const net = [
      file('a.ts', { status: 'added' }),
      file('b.tsx'),
      file('c.js', { status: 'renamed', oldPath: 'old.js' }),
      file('d.mjs', { status: 'copied' }),
      file('gone.ts', { status: 'deleted' }),
      file('README.md'),
      file('blob.js', { binary: true }),
      file('vendor/lib.ts', { submodule: true }),
      file('x.ts.orig'),
    ];
    expect(lintableFiles(net, EXT).map((f) => f.path)).toEqual(['a.ts', 'b.tsx', 'c.js', 'd.mjs']);
    expect(lintableFiles(net, ['.tsx']).map((f) => f.path)).toEqual(['b.tsx']);
  });

  it('validates its options: defaults, and a ConfigError naming the dotted path for a typo', () => {
    expect(parseOptions({})).toEqual({ warnings: true, typed: false, configFromCommits: 'warn', server: 'use' });
    expect(parseOptions({ typed: true, warnings: false, configFromCommits: 'run', server: 'auto' })).toEqual({ warnings: false, typed: true, configFromCommits: 'run', server: 'auto' });
    expect(() => parseOptions({ server: 'always' })).toThrow(/gate\.rules\.code\/eslint\.options\.server/);
    expect(() => parseOptions({ configFromCommits: 'always' })).toThrow(/gate\.rules\.code\/eslint\.options\.configFromCommits/);
    expect(() => parseOptions({ warning: false })).toThrow(ConfigError);
    try {
      parseOptions({ warning: false });
    } catch (e) {
      expect((e as ConfigError).problems[0]!.path).toBe('gate.rules.code/eslint.options.warning');
    }
    expect(() => parseOptions({ typed: 'yes' })).toThrow(/gate\.rules\.code\/eslint\.options\.typed/);
  });

  it('scopes to added lines, or the whole file for --all-lines and truncated diffs', () => {
    const f = file('a.ts', { addedLines: [{ line: 3, text: 'x' }, { line: 7, text: 'y' }] });
    expect(linesInScope(f, false)).toEqual(new Set([3, 7]));
    expect(linesInScope(f, true)).toBe('all');
    expect(linesInScope({ ...f, truncated: true }, false)).toBe('all');
  });

  it('keeps messages on lines in scope, always keeps parse errors, and drops warnings only when asked', () => {
    const scope = new Set([3]);
    const defaults = parseOptions({});
    expect(inScope(msg(3), scope, defaults)).toBe(true);
    expect(inScope(msg(4), scope, defaults)).toBe(false);
    expect(inScope(msg(9, { fatal: true, ruleId: null }), scope, defaults)).toBe(true);
    expect(inScope(msg(3, { severity: 1 }), scope, defaults)).toBe(true);
    expect(inScope(msg(3, { severity: 1 }), scope, parseOptions({ warnings: false }))).toBe(false);
    expect(inScope(msg(4), 'all', defaults)).toBe(true);
  });

  it('fingerprints by ESLint rule, file and trimmed line text, not by line number', () => {
    const a = fingerprintOf('no-debugger', 'a.ts', '  debugger;');
    expect(fingerprintOf('no-debugger', 'a.ts', 'debugger;   ')).toBe(a);
    expect(fingerprintOf('no-console', 'a.ts', 'debugger;')).not.toBe(a);
    expect(fingerprintOf('no-debugger', 'b.ts', 'debugger;')).not.toBe(a);
    expect(fingerprintOf(null, 'a.ts', 'debugger;')).not.toBe(a);
  });

  it('turns reports into ordered findings with the ESLint rule, a warn severity for ESLint warnings, and the docs link', () => {
    const a = file('a.ts', { addedLines: [{ line: 1, text: 'debugger;' }, { line: 2, text: 'console.log(1);' }] });
    const files = new Map([['a.ts', { file: a, text: 'debugger;\nconsole.log(1);\nold();\n' }]]);
    const reports = [
      {
        path: 'a.ts',
        source: 'files' as const,
        messages: [
          msg(3, { ruleId: 'no-undef', message: "'old' is not defined." }),
          msg(2, { ruleId: 'no-console', severity: 1, message: 'Unexpected console statement.' }),
          msg(1, { docsUrl: 'https://eslint.org/docs/latest/rules/no-debugger' }),
        ],
      },
      { path: 'not-asked.ts', source: 'files' as const, messages: [msg(1)] },
    ];
    const findings = selectFindings(reports, files, false, parseOptions({}));
    expect(findings).toEqual([
      {
        ruleId: 'code/eslint',
        message: 'Unexpected debugger statement. (no-debugger)',
        file: 'a.ts',
        line: 1,
        column: 1,
        hint: 'https://eslint.org/docs/latest/rules/no-debugger',
        fingerprint: fingerprintOf('no-debugger', 'a.ts', 'debugger;'),
      },
      {
        ruleId: 'code/eslint',
        severity: 'warn',
        message: 'Unexpected console statement. (no-console)',
        file: 'a.ts',
        line: 2,
        column: 1,
        fingerprint: fingerprintOf('no-console', 'a.ts', 'console.log(1);'),
      },
    ]);
  });
});
