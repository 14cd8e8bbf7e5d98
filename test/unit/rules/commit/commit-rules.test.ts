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
