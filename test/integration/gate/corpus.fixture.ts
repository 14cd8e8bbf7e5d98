// A corpus of commit messages for the commitlint-equivalence test: conventional and not,
// scopes, breaking changes (`!` and footers), reverts, merges, fixups, unicode, long lines.
const TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore', 'revert'];
const BAD_TYPES = ['Feat', 'FIX', 'feature', 'bugfix', 'update', 'wip', ''];
const SUBJECTS = ['add loan limits', 'handle empty cart', 'Add loan limits', 'ADD LOAN LIMITS', 'add loan limits.', '', 'résumé export für Kunden', '增加贷款限额', 'emoji 🚀 launch', 'x'];
const SCOPES = ['', '(api)', '(db-shard)', '(API)', '(two words)', '()'];

export function corpusMessages(): string[] {
  const out: string[] = [];
  for (const type of TYPES) for (const subject of SUBJECTS) out.push(`${type}: ${subject}\n`);
  for (const scope of SCOPES) for (const type of ['feat', 'fix', 'chore']) out.push(`${type}${scope}: add loan limits\n`);
  for (const type of BAD_TYPES) out.push(`${type}: add loan limits\n`, `${type}(api): add loan limits\n`);
  for (const subject of SUBJECTS.slice(6)) out.push(`feat: ${subject}\n`, `fix(i18n): ${subject}\n`);
  // Breaking changes.
  out.push(
    'feat!: drop the v1 API\n',
    'feat(api)!: drop the v1 API\n',
    'feat(api)!: drop the v1 API\n\nBREAKING CHANGE: clients must use /v2\n',
    'feat: new auth\n\nBREAKING CHANGE: tokens are rotated\n',
    'feat: new auth\n\nBREAKING-CHANGE: tokens are rotated\n',
    'feat: new auth\nBREAKING CHANGE: no blank line before the footer\n',
    'fix!: \n',
    '!: nothing\n',
  );
  // Bodies and footers, blank lines, long lines.
  out.push(
    'fix: handle nulls\n\nThe ledger returned null for closed loans.\n',
    'fix: handle nulls\nThe body has no blank line before it.\n',
    'fix: handle nulls\n\nRefs: LOAN-123\n',
    'fix: handle nulls\n\nBody.\nRefs: LOAN-123\n',
    'fix: handle nulls\n\nBody.\n\nRefs: LOAN-123\nSigned-off-by: A Dev <a@example.com>\n',
    `fix: handle nulls\n\n${'long body line '.repeat(8)}\n`,
    `fix: handle nulls\n\nBody.\n\nRefs: ${'LOAN-1 '.repeat(20)}\n`,
    `feat: ${'a'.repeat(94)}\n`,
    `feat: ${'a'.repeat(95)}\n`,
    `feat(api): ${'b'.repeat(120)}\n`,
    'feat: subject\n\n\n\nmany blank lines\n',
    'feat:no space after colon\n',
    'feat : space before colon\n',
    'feat add loan limits\n',
    'feat(api) add loan limits\n',
    'just some words\n',
    'Update README.md\n',
    'initial commit\n',
    '.\n',
    'feat: trailing spaces   \n',
    '  feat: leading spaces\n',
    'feat:  two spaces\n',
    'feat(api):add\n',
    'feat(api,db): multiple scopes\n',
    'feat(api/db): slash scope\n',
    'feat(*): star scope\n',
  );
  // Reverts, fixups, merges, releases (commitlint's default ignores).
  out.push(
    'Revert "feat: add loan limits"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n',
    'revert: feat: add loan limits\n',
    'revert: add loan limits\n\nThis reverts commit 0123456789abcdef.\n',
    'Reapply "feat: add loan limits"\n',
    'fixup! feat: add loan limits\n',
    'squash! fix: handle nulls\n',
    'amend! fix: handle nulls\n',
    "Merge branch 'main' into feature\n",
    "Merge branch 'feature/loans'\n",
    'Merge pull request #42 from org/feature\n\nfeat: loans\n',
    "Merge remote-tracking branch 'origin/main'\n",
    'Merge tag v1.2.3\n',
    'Merged PR 17: some change\n',
    'Automatic merge from submodule\n',
    'Auto-merged feature into main\n',
    'chore(release): 1.2.3\n',
    'chore: 1.2.3\n',
    '1.2.3\n',
    'v1.2.3\n',
    'chore(release): v1.2.3\n',
    'merge: combine branches\n',
  );
  // Unicode everywhere.
  out.push(
    'feat(ümlaut): grüße\n',
    'fix(日本): 修正\n',
    'docs: 📝 update docs\n',
    '✨ feat: gitmoji style\n',
    'feat: ŁÓDŹ upper subject\n',
    'fix: ñandú\n\nCuerpo con acentos: áéíóú.\n',
    'feat: тест кириллица\n',
    'feat: Тест кириллица с заглавной\n',
    'chore: مرحبا\n',
    'test: zero\u200bwidth space\n',
  );
  return out;
}
