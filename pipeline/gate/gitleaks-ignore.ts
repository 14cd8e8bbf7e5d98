// `.gitleaksignore`: gitleaks' allow-list of known false positives, one fingerprint a line,
// `<commit>:<file>:<rule-id>:<line>` (history scans) or `<file>:<rule-id>:<line>` (files).
// The rule id is not compared: shardship's and gitleaks' names for a rule differ, and a
// fingerprint already pins the file and line (and the commit, when it has one).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface IgnoredFingerprint {
  commit?: string;
  file: string;
  line: number;
}

export function parseGitleaksIgnore(text: string): IgnoredFingerprint[] {
  const out: IgnoredFingerprint[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const entry = raw.trim();
    if (!entry || entry.startsWith('#')) continue;
    const parts = entry.split(':');
    const line = Number(parts.at(-1));
    if (parts.length < 3 || !Number.isInteger(line)) continue;
    const commit = parts.length >= 4 && /^[0-9a-f]{7,40}$/.test(parts[0]!) ? parts[0] : undefined;
    const file = parts.slice(commit ? 1 : 0, -2).join(':');
    out.push({ ...(commit ? { commit } : {}), file, line });
  }
  return out;
}

export async function readGitleaksIgnore(repoDir: string): Promise<IgnoredFingerprint[]> {
  const text = await readFile(join(repoDir, '.gitleaksignore'), 'utf8').catch(() => undefined);
  return text === undefined ? [] : parseGitleaksIgnore(text);
}

export function isIgnored(list: readonly IgnoredFingerprint[], at: { commit?: string | undefined; file: string; line: number }): boolean {
  return list.some((f) => f.file === at.file && f.line === at.line && (!f.commit || (at.commit !== undefined && at.commit.startsWith(f.commit))));
}
