// The corpus the secrets rule is measured on (test/integration/gate/secrets-vs-gitleaks.test.ts):
// our own real-looking tokens of each kind and true negatives, each line labelled, plus gitleaks'
// own test data read from the Go module cache. Token bodies come from a seeded generator, so no
// credential-shaped literal sits in this repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusFile {
  path: string;
  text: string;
  /** 1-based lines that hold a secret; every other line is a true negative. Undefined: labelled by gitleaks (its own test data). */
  secretLines?: number[];
  source: 'shardship' | 'gitleaks';
}

/** Deterministic characters from `alphabet` (mulberry32): stable across runs, random-looking. */
function chars(seed: number, n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let a = seed >>> 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out += alphabet[((t ^ (t >>> 14)) >>> 0) % alphabet.length];
  }
  return out;
}
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function labelled(path: string, lines: { text: string; secret?: boolean }[]): CorpusFile {
  return {
    path,
    text: lines.map((l) => l.text).join('\n') + '\n',
    secretLines: lines.flatMap((l, i) => (l.secret ? [i + 1] : [])),
    source: 'shardship',
  };
}

export function ownCorpus(): CorpusFile[] {
  const jwt = (seed: number) =>
    `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(`{"sub":"${chars(seed, 8, HEX)}","name":"loan-service","iat":1733300000}`).toString('base64url')}.${chars(seed + 1, 43, B64URL)}`;
  const pem = (kind: string, seed: number) => [`-----BEGIN ${kind}-----`, ...Array.from({ length: 6 }, (_, i) => chars(seed + i, 64, B64)), `${chars(seed + 9, 20, B64)}==`, `-----END ${kind}-----`];
  return [
    labelled('config/aws.env', [
      { text: '# deploy credentials' },
      { text: `AWS_ACCESS_KEY_ID=${'AKIA'}${chars(1, 16, UPPER)}`, secret: true },
      { text: `AWS_SECRET_ACCESS_KEY=${chars(2, 40, B64.replace('+', 'q'))}`, secret: true },
      { text: 'AWS_REGION=eu-west-1' },
    ]),
    labelled('src/github.ts', [
      { text: `export const token = "${'ghp_'}${chars(3, 36)}";`, secret: true },
      { text: `const fineGrained = "${'github_pat_'}${chars(4, 22)}_${chars(5, 59)}";`, secret: true },
      { text: 'export const api = "https://api.github.com";' },
    ]),
    labelled('src/gitlab.py', [{ text: `GITLAB_TOKEN = "${'glpat-'}${chars(6, 20)}"`, secret: true }, { text: 'GITLAB_URL = "https://gitlab.example.com"' }]),
    labelled('src/slack.js', [
      { text: `const bot = "${'xoxb-'}${chars(7, 12, '0123456789')}-${chars(8, 13, '0123456789')}-${chars(9, 24)}";`, secret: true },
      { text: `const hook = "${'https://hooks.slack.com/services/'}T${chars(10, 8, UPPER)}/B${chars(11, 10, UPPER)}/${chars(12, 24)}";`, secret: true },
    ]),
    labelled('src/billing.rb', [{ text: `Stripe.api_key = "${'sk_live_'}${chars(13, 24)}"`, secret: true }, { text: 'Stripe.api_version = "2024-06-20"' }]),
    labelled('src/maps.kt', [{ text: `val mapsKey = "${'AIza'}${chars(14, 35, B64URL)}"`, secret: true }]),
    labelled('deploy/id_rsa', pem('RSA PRIVATE KEY', 20).map((text, i) => ({ text, secret: i === 0 }))),
    labelled('deploy/signing.pem', pem('PRIVATE KEY', 40).map((text, i) => ({ text, secret: i === 0 }))),
    labelled('test/api.http', [{ text: `Authorization: Bearer ${jwt(15)}`, secret: true }]),
    labelled('config/database.yml', [
      { text: `url: mysql://loan_app:${chars(16, 18)}@db-n1.internal:3306/loan_0`, secret: true },
      { text: `replica: postgres://report:${chars(17, 16)}@replica.internal:5432/loans`, secret: true },
      { text: 'local: mysql://root@127.0.0.1:3306/loan_0' },
    ]),
    labelled('config/app.properties', [
      { text: `db.password=${chars(18, 20)}`, secret: true },
      { text: `api_secret = "${chars(19, 32)}"`, secret: true },
      { text: 'db.user=loan_app' },
    ]),
    // True negatives: identifiers, hashes, documented example keys, placeholders and references.
    labelled('src/negatives.ts', [
      { text: 'export const requestId = "3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c";' },
      { text: `export const sha256 = "${chars(30, 64, HEX)}";` },
      { text: `export const commit = "${chars(31, 40, HEX)}";` },
      { text: `const docsExample = "${'AKIA'}IOSFODNN7EXAMPLE";` },
      { text: 'const password = process.env.DB_PASSWORD;' },
      { text: 'password: ${{ secrets.DB_PASSWORD }}' },
      { text: 'const placeholder = "password";' },
      { text: 'DB_PASSWORD=changeme' },
      { text: '  auth: { usernameEnv: REGISTRY_USER, passwordEnv: REGISTRY_PASSWORD }' },
      { text: '  password: REGISTRY_PASSWORD' },
      { text: 'const dsn = `mysql://${user}:${password}@${host}/loan_0`;' },
      { text: 'integrity: sha512-' + chars(32, 86, B64) + '==' },
    ]),
  ];
}

/** gitleaks' own test files from its module (v8 testdata/repos), minus its .gitleaksignore files and archives. */
export function gitleaksCorpus(moduleDir: string): CorpusFile[] {
  const repos = join(moduleDir, 'testdata', 'repos');
  const files = ['small/main.go', 'small/api/api.go', 'small/api/ignoreCommit.go', 'small/api/ignoreGlobal.go', 'staged/main.go', 'staged/api/api.go', 'nogit/main.go', 'nogit/api.go', 'nogit/.env.prod', 'symlinks/source_file/id_ed25519'];
  return files.map((f) => ({ path: `gitleaks-testdata/${f}`, text: readFileSync(join(repos, f), 'utf8'), source: 'gitleaks' as const }));
}
