import { describe, expect, it } from 'vitest';
import { computeTags, parseSemver, sanitizeTag } from '../../../pipeline/build/tags.js';

const sha = 'ABCDEF0123456789abcdef0123456789abcdef01';
const tags = (s: Partial<Parameters<typeof computeTags>[0]>, def = 'main') => computeTags({ sha, commitTime: 0, gitTags: [], ...s }, def).map((t) => t.tag);

describe('image tags (docker/metadata-action rules)', () => {
  it('tags a default-branch build with the branch, sha-<7> and latest', () => {
    expect(tags({ branch: 'main' })).toEqual(['main', 'sha-abcdef0', 'latest']);
  });
  it('does not tag latest off the default branch, and sanitises branch names', () => {
    expect(tags({ branch: 'feature/Login_v2' })).toEqual(['feature-login_v2', 'sha-abcdef0']);
    expect(tags({ branch: 'releases/v1' })).toEqual(['releases-v1', 'sha-abcdef0']);
  });
  it('tags a pull request pr-<n> and never latest', () => {
    expect(tags({ pr: 42 })).toEqual(['pr-42', 'sha-abcdef0']);
  });
  it('adds {{version}}, {{major}}.{{minor}} and {{major}} for a semver git tag, highest first', () => {
    expect(tags({ branch: 'main', gitTags: ['v1.2.3', 'v1.2.10', 'notes'] })).toEqual(['1.2.10', '1.2', '1', 'main', 'sha-abcdef0', 'latest']);
  });
  it('gives a pre-release only its full version', () => {
    expect(tags({ gitTags: ['v2.0.0-rc.1'] })).toEqual(['2.0.0-rc.1', 'sha-abcdef0']);
  });
  it('drops duplicates (a branch named like a version)', () => {
    expect(tags({ branch: '1.2', gitTags: ['1.2.0'] })).toEqual(['1.2.0', '1.2', '1', 'sha-abcdef0']);
  });
  it('sanitises: lowercase, allowed characters, no leading . or -, at most 128 characters', () => {
    expect(sanitizeTag('-.Weird Branch!!name')).toBe('weird-branch-name');
    const long = sanitizeTag('x'.repeat(300));
    expect(long).toHaveLength(128);
    for (const t of ['Feature/ÄÖ', '__init__', 'a..b']) expect(sanitizeTag(t)).toMatch(/^[a-z0-9_][a-z0-9_.-]{0,127}$/);
  });
  it('parses semver with an optional v and drops build metadata', () => {
    expect(parseSemver('v1.2.3+build.5')).toMatchObject({ major: 1, minor: 2, patch: 3, version: '1.2.3' });
    expect(parseSemver('1.2')).toBeUndefined();
  });
});
