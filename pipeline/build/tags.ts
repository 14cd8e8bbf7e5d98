// Image tags the way docker/metadata-action computes them (type=sha, type=ref for branches
// and PRs, type=semver {{version}}/{{major}}.{{minor}}/{{major}}, latest on the default
// branch), in-process and pure so that a plan can be shown before anything is built.
import type { SourceInfo } from './types.js';

export interface PlannedTag {
  tag: string;
  /** Why the tag is there, for `--dry-run`. */
  kind: 'semver' | 'branch' | 'pr' | 'sha' | 'latest';
  /** metadata-action's default priorities: the highest non-latest tag is the image version. */
  priority: number;
}

const MAX_TAG = 128;

/**
 * A valid Docker tag from any text: runs of characters outside [a-z0-9_.-] become one `-`
 * (metadata-action's rule, so `feature/Login` -> `feature-login`), lowercase, no leading
 * `.` or `-`, at most 128 characters. Empty when nothing usable is left.
 */
export function sanitizeTag(text: string): string {
  let tag = text.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-');
  tag = tag.replace(/^[.-]+/, '');
  if (tag.length > MAX_TAG) tag = tag.slice(0, MAX_TAG);
  return tag;
}

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
  /** The version as written, without a leading v and without +build metadata. */
  version: string;
}

export function parseSemver(gitTag: string): SemVer | undefined {
  const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(gitTag);
  if (!m) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const prerelease = m[4];
  return { major, minor, patch, ...(prerelease ? { prerelease } : {}), version: `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}` };
}

export function compareSemver(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  // A release sorts above its pre-releases.
  if (!a.prerelease && b.prerelease) return 1;
  if (a.prerelease && !b.prerelease) return -1;
  return (a.prerelease ?? '').localeCompare(b.prerelease ?? '');
}

/** The highest semver among the commit's git tags. */
export function highestSemver(gitTags: string[]): SemVer | undefined {
  return gitTags
    .map(parseSemver)
    .filter((v): v is SemVer => v !== undefined)
    .sort(compareSemver)
    .at(-1);
}

export function computeTags(source: SourceInfo, defaultBranch: string): PlannedTag[] {
  const tags: PlannedTag[] = [];
  const semver = highestSemver(source.gitTags);
  if (semver) {
    tags.push({ tag: sanitizeTag(semver.version), kind: 'semver', priority: 900 });
    // Pre-releases change often: like metadata-action, they only get the full version.
    if (!semver.prerelease) {
      tags.push({ tag: `${semver.major}.${semver.minor}`, kind: 'semver', priority: 900 });
      tags.push({ tag: `${semver.major}`, kind: 'semver', priority: 900 });
    }
  }
  if (source.branch) {
    const t = sanitizeTag(source.branch);
    if (t) tags.push({ tag: t, kind: 'branch', priority: 600 });
  }
  if (source.pr !== undefined) tags.push({ tag: `pr-${source.pr}`, kind: 'pr', priority: 600 });
  tags.push({ tag: `sha-${source.sha.slice(0, 7).toLowerCase()}`, kind: 'sha', priority: 100 });
  if (source.branch !== undefined && source.branch === defaultBranch && source.pr === undefined) {
    tags.push({ tag: 'latest', kind: 'latest', priority: 0 });
  }
  // Stable order by priority, without duplicates (a branch named "1.2" must not appear twice).
  const seen = new Set<string>();
  return tags
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.priority - a.t.priority || a.i - b.i)
    .map(({ t }) => t)
    .filter((t) => !seen.has(t.tag) && Boolean(seen.add(t.tag)));
}
