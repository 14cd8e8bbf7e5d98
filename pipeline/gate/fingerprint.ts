// Stable finding fingerprints for the baseline: rule id + file + the normalised text of the
// offending line + its occurrence index among identical keys. No line numbers, so a finding
// keeps its fingerprint when unrelated lines are added above it.
import { createHash } from 'node:crypto';
import type { Finding } from './types.js';

export function normaliseLineText(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/**
 * Assign fingerprints in place to findings that lack one. `textOf` gives the text a finding
 * is anchored to (the source line, or the commit subject for message findings).
 */
export function assignFingerprints(findings: Finding[], textOf: (f: Finding) => string): void {
  const seen = new Map<string, number>();
  for (const f of findings) {
    const key = [f.ruleId, f.file ?? '', f.fingerprint ?? normaliseLineText(textOf(f))].join('\0');
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    f.fingerprint = createHash('sha256').update(`${key}\0${n}`).digest('hex').slice(0, 32);
  }
}
