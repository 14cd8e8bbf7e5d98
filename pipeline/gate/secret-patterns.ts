// Secret shapes secretlint's preset-recommend does not find and gitleaks does (measured on the
// corpus in test/integration/gate/secrets-vs-gitleaks.test.ts): named by gitleaks' rule ids so a
// `.gitleaksignore` fingerprint reads the same. Pure: text in, hits out; the rule masks them.
import type { SecretHit } from './secretlint.js';

interface SecretPattern {
  id: string;
  /** Global; the secret is group 1 when present, else the whole match. */
  regex: RegExp;
  /** Minimum Shannon entropy (bits per character) of the secret: random, not a word. */
  entropy?: number;
  /** A match that is a documented example or a reference, not a credential. */
  allow?: RegExp;
}

const PATTERNS: SecretPattern[] = [
  { id: 'aws-access-token', regex: /\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g, allow: /EXAMPLE$/ },
  { id: 'gitlab-pat', regex: /\b(glpat-[0-9a-zA-Z_-]{20})(?![0-9a-zA-Z_-])/g },
  { id: 'stripe-access-token', regex: /\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})\b/g, entropy: 2 },
  { id: 'gcp-api-key', regex: /\b(AIza[\w-]{35})(?![\w-])/g, entropy: 3 },
  { id: 'private-key', regex: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/g },
  { id: 'jwt', regex: /\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/_-]{17,}\.[a-zA-Z0-9/_-]{10,}={0,2})/g, entropy: 3 },
  // `password=…`, `api_secret: "…"`: a credential-named key assigned a random-looking literal.
  {
    id: 'generic-api-key',
    regex: /(?:secret|passw(?:or)?d|pwd|token|api[_-]?key|access[_-]?key|credentials?)[\w.-]{0,20}["']?\s{0,5}[:=]{1,2}\s{0,5}["'`]?([A-Za-z0-9+/_.=-]{10,150})["'`]?(?=[\s;,)]|$)/gim,
    entropy: 3.5,
    // Dotted paths (process.env.X), lower-case words, and env var names (passwordEnv: DB_PASSWORD).
    allow: /^(?:[A-Za-z_]+(?:\.[A-Za-z_]+)+|[a-z]+(?:[_-][a-z]+)*|[A-Z]+(?:_[A-Z0-9]+)+)$/,
  },
];

export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/** Hits of shardship's own secret patterns in `content` (1-based line and column of the match). */
export function scanPatterns(content: string): SecretHit[] {
  const lineStarts = [0];
  for (let i = 0; i < content.length; i++) if (content[i] === '\n') lineStarts.push(i + 1);
  const hits: SecretHit[] = [];
  for (const p of PATTERNS) {
    for (const m of content.matchAll(p.regex)) {
      const secret = m[1] ?? m[0];
      if (p.allow?.test(secret)) continue;
      if (p.entropy !== undefined && shannonEntropy(secret) < p.entropy) continue;
      let line = lineStarts.findIndex((s) => s > m.index);
      line = line === -1 ? lineStarts.length : line;
      hits.push({ ruleId: p.id, messageId: '', line, column: m.index - lineStarts[line - 1]! + 1, match: secret });
    }
  }
  return hits;
}
