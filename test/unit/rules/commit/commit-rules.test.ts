import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { ConfigError } from '../../../../pipeline/core/errors.js';
import { commitRules } from '../../../../rules/commit/index.js';
import { commitMessage } from '../../../../rules/commit/message.js';
import { commitMergePolicy } from '../../../../rules/commit/merge-policy.js';
import { commitIssueKey } from '../../../../rules/commit/issue-key.js';
import { commitSignOff } from '../../../../rules/commit/sign-off.js';
import { tempDir, removeDir } from '../../../support/service.js';
import { check, commit, subject } from '../subject-fixture.js';

describe('rules/commit registry', () => {
  it('registers every rule file in the folder, each with a unique id in the group', async () => {
    const files = readdirSync(new URL('../../../../rules/commit/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    const exported = await Promise.all(files.map(async (f) => Object.values((await import(/* @vite-ignore */ new URL(`../../../../rules/commit/${f}`, import.meta.url).href)) as Record<string, unknown>)));
    for (const [i, values] of exported.entries()) expect(values.some((v) => commitRules.includes(v as never)), files[i]).toBe(true);
    expect(new Set(commitRules.map((r) => r.id)).size).toBe(commitRules.length);
    expect(commitRules.every((r) => r.group === 'commit' && r.id.startsWith('commit/') && r.description.length > 20)).toBe(true);
  });
});

describe('commit/message', () => {
  it('uses config-conventional when the repository has no commitlint config; warnings stay warnings', async () => {
    const dir = tempDir('no-commitlint');
    try {
      const s = subject(
        [commit('a1', 'feat: fine\n'), commit('b2', 'Bad message\n'), commit('c3', 'fix: x\nbody without blank line\n'), commit('d4', '   \n'), commit('m5', 'whatever merge\n', [], 2)],
        { repoDir: dir, extra: 'Title of PR' },
      );
      const findings = await check(commitMessage, s);
      expect(findings.filter((f) => f.commit === 'a1')).toEqual([]);
      expect(findings.filter((f) => f.commit === 'b2').map((f) => f.message)).toContain('commit b2 "Bad message": type may not be empty [type-empty]');
      expect(findings.filter((f) => f.commit === 'c3').map((f) => f.severity)).toEqual(['warn']);
      expect(findings.find((f) => f.commit === 'd4')?.message).toContain('the message is empty');
      expect(findings.some((f) => f.commit === 'm5')).toBe(false); // merges: skip (default)
      expect(findings.some((f) => f.commit === undefined && f.message.startsWith('pull request title "Title of PR"'))).toBe(true);
      const allow = await check(commitMessage, s, { gate: { commit: { merges: 'allow' } } });
      expect(allow.some((f) => f.commit === 'm5')).toBe(true);
    } finally {
      removeDir(dir);
    }
  });
});

describe('commit/message on messages built to be slow', () => {
  // commitlint's parser is cubic in a line's length (8,000 characters took minutes): long lines
  // and huge messages are refused before parsing, each with the limit and the setting to change.
  it('refuses a 1 MB subject and a long body line before parsing, in well under a second', async () => {
    const dir = tempDir('slow-commitlint');
    try {
      await check(commitMessage, subject([commit('w0', 'feat: warm the linter\n')], { repoDir: dir }));
      const s = subject(
        [commit('a1', `feat: ${'a'.repeat(1024 * 1024)}\n`), commit('b2', `fix: fine subject\n\n${'b'.repeat(8000)}\n`), commit('c3', 'feat: fine\n')],
        { repoDir: dir, extra: 'x'.repeat(5000) },
      );
      const started = performance.now();
      const findings = await check(commitMessage, s);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(findings.filter((f) => f.commit === 'a1').map((f) => f.message)).toEqual([
        `commit a1 "feat: ${'a'.repeat(65)}…": line 1 is 1,048,582 characters long; the gate parses lines of at most 200 (gate.commit.maxLineLength)`,
      ]);
      expect(findings.find((f) => f.commit === 'b2')?.message).toContain('line 3 is 8,000 characters long');
      expect(findings.find((f) => f.commit === 'b2')?.hint).toMatch(/wrap/);
      expect(findings.filter((f) => f.commit === 'c3')).toEqual([]);
      expect(findings.find((f) => f.commit === undefined)?.message).toContain('line 1 is 5,000 characters long');
    } finally {
      removeDir(dir);
    }
  });

  it('refuses a message longer than gate.commit.maxMessageLength, and both limits are settings', async () => {
    const dir = tempDir('slow-commitlint');
    try {
      const many = `feat: many lines\n\n${'short line\n'.repeat(3000)}`;
      const findings = await check(commitMessage, subject([commit('a1', many)], { repoDir: dir }));
      expect(findings.map((f) => f.message)).toEqual([`commit a1 "feat: many lines": the message is ${many.length.toLocaleString('en-US')} characters long; the gate parses messages of at most 20,000 (gate.commit.maxMessageLength)`]);
      const raised = await check(commitMessage, subject([commit('a1', many), commit('b2', `feat: ${'x'.repeat(300)}\n`)], { repoDir: dir }), {
        gate: { commit: { maxMessageLength: 40_000, maxLineLength: 400 } },
      });
      expect(raised.filter((f) => f.commit === 'a1')).toEqual([]);
      expect(raised.filter((f) => f.commit === 'b2').map((f) => f.message)).toEqual([expect.stringContaining('header must not be longer than 100 characters')]);
    } finally {
      removeDir(dir);
    }
  });
});

describe('commit/merge-policy', () => {
  it('rejects merge commits only under merges: reject', async () => {
    const s = subject([commit('a', 'feat: a\n'), commit('m', "Merge branch 'x'\n", [], 2)]);
    expect(await check(commitMergePolicy, s)).toEqual([]);
    const findings = await check(commitMergePolicy, s, { gate: { commit: { merges: 'reject' } } });
    expect(findings.map((f) => f.commit)).toEqual(['m']);
    expect(await check(commitMergePolicy, s, {}, { merges: 'reject' })).toHaveLength(1);
    await expect(async () => check(commitMergePolicy, s, {}, { merges: 'sometimes' })).rejects.toThrow(ConfigError);
  });
});

describe('commit/issue-key', () => {
  it('requires the pattern in every message and the PR title when configured', async () => {
    const s = subject([commit('a', 'feat: a LOAN-12\n'), commit('b', 'fix: b\n\nRefs: LOAN-7\n'), commit('c', 'fix: c\n')], { extra: 'fix: c' });
    expect(await check(commitIssueKey, s)).toEqual([]);
    const findings = await check(commitIssueKey, s, { gate: { commit: { issueKey: 'LOAN-\\d+' } } });
    expect(findings.map((f) => f.commit ?? 'title')).toEqual(['c', 'title']);
    await expect(async () => check(commitIssueKey, s, { gate: { commit: { issueKey: '([' } } })).rejects.toThrow(/gate.commit.issueKey/);
  });
});

describe('commit/sign-off', () => {
  it('requires a Signed-off-by trailer on commits (not the PR title) when configured', async () => {
    const s = subject([commit('a', 'feat: a\n\nSigned-off-by: A Dev <a@example.com>\n'), commit('b', 'feat: b\n\nSigned-off-by: nobody\n')], { extra: 'feat: title' });
    expect(await check(commitSignOff, s)).toEqual([]);
    const findings = await check(commitSignOff, s, { gate: { commit: { signOff: true } } });
    expect(findings.map((f) => f.commit)).toEqual(['b']);
    expect(findings[0]!.hint).toContain('--amend -s');
  });
});
