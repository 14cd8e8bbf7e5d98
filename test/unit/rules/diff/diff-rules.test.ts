import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { diffRules } from '../../../../rules/diff/index.js';
import { diffSecrets } from '../../../../rules/diff/secrets.js';
import { diffMaxFileSize } from '../../../../rules/diff/max-file-size.js';
import { diffBinaryFiles } from '../../../../rules/diff/binary-files.js';
import { diffForbiddenPaths } from '../../../../rules/diff/forbidden-paths.js';
import { diffConflictMarkers } from '../../../../rules/diff/conflict-markers.js';
import { diffMigrationImmutable } from '../../../../rules/diff/migration-immutable.js';
import { diffMigrationVersion } from '../../../../rules/diff/migration-version.js';
import { check, commit, file, subject } from '../subject-fixture.js';

describe('rules/diff registry', () => {
  it('registers every rule file in the folder, each with a unique id in the group', async () => {
    const files = readdirSync(new URL('../../../../rules/diff/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    const exported = await Promise.all(files.map(async (f) => Object.values((await import(/* @vite-ignore */ new URL(`../../../../rules/diff/${f}`, import.meta.url).href)) as Record<string, unknown>)));
    for (const [i, values] of exported.entries()) expect(values.some((v) => diffRules.includes(v as never)), files[i]).toBe(true);
    expect(new Set(diffRules.map((r) => r.id)).size).toBe(diffRules.length);
    expect(diffRules.every((r) => r.group === 'diff' && r.id.startsWith('diff/'))).toBe(true);
  });
});

describe('diff/secrets', () => {
  it('finds secrets in added lines with the real line number and never the secret itself', async () => {
    const secret = 'xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn';
    const s = subject([commit('a', 'feat: a\n', [file('src/slack.ts', ['// ok'], { addedLines: [{ line: 40, text: 'const ok = 1;' }, { line: 41, text: `const token = "${secret}";` }] }), file('img.png', [secret], { binary: true })])]);
    const findings = await check(diffSecrets, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'diff/secrets', commit: 'a', file: 'src/slack.ts', line: 41 });
    // The value goes only to the engine (for redaction everywhere), never into what is reported.
    const { secret: handed, ...reported } = findings[0]!;
    expect(handed).toBe(secret);
    expect(JSON.stringify(reported)).not.toContain('abcdefghijABCDEFGHIJ');
    expect(findings[0]!.message).toMatch(/secretlint-rule-slack.*xo\*+mn/);
  });
});

describe('diff hygiene', () => {
  const s = subject([
    commit('a', 'feat: a\n', [
      file('big.bin', [], { sizeBytes: 2_000_000, binary: true }),
      file('docs/pic.png', [], { sizeBytes: 10, binary: true }),
      file('.env', ['A=1']),
      file('keys/id_rsa', ['x']),
      file('old.env', [], { status: 'deleted' }),
      file('README.md', ['Title', '=======', 'text']),
      file('src/x.ts', ['a', '<<<<<<< HEAD', 'b', '=======', 'c', '>>>>>>> theirs']),
    ]),
  ]);

  it('max file size, with the option overriding gate.diff', async () => {
    expect((await check(diffMaxFileSize, s)).map((f) => f.file)).toEqual(['big.bin']);
    expect(await check(diffMaxFileSize, s, {}, { maxBytes: 5_000_000 })).toEqual([]);
  });

  it('binary files outside allowed globs', async () => {
    expect((await check(diffBinaryFiles, s)).map((f) => f.file)).toEqual(['big.bin', 'docs/pic.png']);
    expect((await check(diffBinaryFiles, s, { gate: { diff: { binaryAllowed: ['docs/**'] } } })).map((f) => f.file)).toEqual(['big.bin']);
  });

  it('forbidden paths (not deletions of them)', async () => {
    expect((await check(diffForbiddenPaths, s)).map((f) => f.file)).toEqual(['.env', 'keys/id_rsa']);
  });

  it('conflict markers, but not a Markdown underline', async () => {
    expect((await check(diffConflictMarkers, s)).map((f) => `${f.file}:${f.line}`)).toEqual(['src/x.ts:2', 'src/x.ts:4', 'src/x.ts:6']);
  });

  it('staged changes are checked without a commit', async () => {
    const staged = subject([], { staged: [file('.env', ['x'])] });
    const [finding] = await check(diffForbiddenPaths, staged);
    expect(finding).toMatchObject({ file: '.env' });
    expect(finding!.commit).toBeUndefined();
  });
});

describe('migrations', () => {
  const atBase = ['migrations/V1__init.sql', 'migrations/V2__loans.sql', 'migrations/R__views.sql'];

  it('rejects edits, renames and deletions of migrations on the target branch, not of new ones', async () => {
    const s = subject(
      [
        commit('a', 'feat: a\n', [
          file('migrations/V1__init.sql', ['x'], { status: 'modified' }),
          file('migrations/V2__loans_renamed.sql', [], { status: 'renamed', oldPath: 'migrations/V2__loans.sql' }),
          file('migrations/R__views.sql', [], { status: 'deleted' }),
          file('migrations/V3__new.sql', ['y']),
        ]),
        commit('b', 'fix: b\n', [file('migrations/V3__new.sql', ['z'], { status: 'modified' }), file('src/a.ts', ['q'], { status: 'modified' })]),
      ],
      { atBase },
    );
    const findings = await check(diffMigrationImmutable, s);
    expect(findings.map((f) => [f.commit, f.file, f.message])).toEqual([
      ['a', 'migrations/V1__init.sql', 'applied migration migrations/V1__init.sql was edited'],
      ['a', 'migrations/V2__loans.sql', 'applied migration migrations/V2__loans.sql was renamed to migrations/V2__loans_renamed.sql'],
      ['a', 'migrations/R__views.sql', 'applied migration migrations/R__views.sql was deleted'],
    ]);
    const moved = await check(diffMigrationImmutable, s, { migrate: { directory: 'db/migrations' } });
    expect(moved).toEqual([]);
  });

  it('requires new versions above the target branch, unique, and well named', async () => {
    const s = subject(
      [
        commit('a', 'feat: a\n', [file('migrations/V3__ok.sql'), file('migrations/V2_0__dup.sql'), file('migrations/V1_5__late.sql'), file('migrations/add_table.sql'), file('migrations/R__more_views.sql')]),
        commit('b', 'feat: b\n', [file('migrations/V3__again.sql'), file('migrations/V10__ten.sql'), file('migrations/notes.md')]),
      ],
      { atBase },
    );
    const findings = await check(diffMigrationVersion, s);
    expect(findings.map((f) => `${f.file}: ${f.message}`)).toEqual([
      'migrations/V2_0__dup.sql: migration version 2_0 is already used by migrations/V2__loans.sql',
      'migrations/V1_5__late.sql: migration version 1_5 is not above the latest on the target branch (2, migrations/V2__loans.sql)',
      'migrations/add_table.sql: migrations/add_table.sql is not named V<version>__<description>.sql',
      'migrations/V3__again.sql: migration version 3 is already used by migrations/V3__ok.sql',
    ]);
  });

  it('does not treat a migration already on the target branch (brought by a merge) as new', async () => {
    const s = subject([commit('m', "Merge branch 'main'\n", [file('migrations/V2__loans.sql')], 2)], { atBase });
    expect(await check(diffMigrationVersion, s)).toEqual([]);
  });
});
