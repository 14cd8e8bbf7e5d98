// Wrong verdicts and silent holes found on real repositories (issue 13): secrets past the diff
// limits, lockfiles that .gitattributes marks -diff, findings of different commits merged.
// Real temp git repos through the gate engine with the gate's own commit and diff rules.
import { afterAll, describe, expect, it } from 'vitest';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { runGate, type GateMode } from '../../../pipeline/gate/run.js';
import { commitRules } from '../../../rules/commit/index.js';
import { diffRules } from '../../../rules/diff/index.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';

const rules = [...commitRules, ...diffRules];
const config = ShardshipConfig.parse({ version: 1 });
const repos: TempRepo[] = [];
function repo(): TempRepo {
  const r = TempRepo.create({ prefix: 'verdicts' });
  repos.push(r);
  return r;
}
afterAll(() => repos.forEach((r) => r.remove()));

const gate = (r: TempRepo, mode: GateMode, cfg = config) => runGate({ repoDir: r.dir, config: cfg, mode, rules });
const SLACK = 'xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn';
const NPM_TOKEN = 'npm_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';

describe('secrets past the diff limits are scanned, never passed silently', () => {
  it('finds a token on added line 5,001 of a file', async () => {
    const r = repo();
    const base = r.commit('chore: init', { 'README.md': '# x\n' });
    const lines = Array.from({ length: 5000 }, (_, i) => `export const v${i} = ${i};`);
    r.commit('feat: big', { 'src/big.ts': [...lines, `export const token = "${SLACK}";`, ''].join('\n') });
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    const secrets = res.findings.filter((f) => f.ruleId === 'diff/secrets');
    expect(secrets.map((f) => [f.file, f.line])).toEqual([['src/big.ts', 5001]]);
    expect(res.passed).toBe(false);
    expect(JSON.stringify(res)).not.toContain('abcdefghijABCDEFGHIJ');
  });

  it('finds a token beyond column 2,000 of a line, in a range and when staged', async () => {
    const r = repo();
    const base = r.commit('chore: init', { 'README.md': '# x\n' });
    const line = `export const padding = "${'x'.repeat(2500)}", token = "${SLACK}";\n`;
    r.commit('feat: long line', { 'src/long.ts': 'export const a = 1;\n' + line });
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    const secrets = res.findings.filter((f) => f.ruleId === 'diff/secrets');
    expect(secrets.map((f) => [f.file, f.line])).toEqual([['src/long.ts', 2]]);
    expect(secrets[0]!.column).toBeGreaterThan(2500);

    r.write('src/staged.ts', line);
    r.git('add', 'src/staged.ts');
    const staged = await gate(r, { kind: 'staged' });
    expect(staged.findings.filter((f) => f.ruleId === 'diff/secrets').map((f) => [f.file, f.line])).toEqual([['src/staged.ts', 1]]);
  });
});

describe('lockfiles marked -diff are text', () => {
  it('scans a -diff lockfile for secrets, does not call it binary, and a 1.4 MB lockfile is not too big', async () => {
    const r = repo();
    const base = r.commit('chore: init', { '.gitattributes': 'package-lock.json -diff\nyarn.lock -diff\n*.dat -diff\n', 'package.json': '{}\n' });
    const entries = Array.from({ length: 9000 }, (_, i) => `    "node_modules/pkg-${i}": { "version": "1.0.${i}", "resolved": "https://registry.npmjs.org/pkg-${i}/-/pkg-${i}-1.0.${i}.tgz", "integrity": "sha512-${'A'.repeat(64)}" },`);
    const lock = ['{', '  "lockfileVersion": 3,', '  "packages": {', ...entries, `    "node_modules/private": { "resolved": "https://npm.example.com/private.tgz?token=${NPM_TOKEN}" }`, '  }', '}', ''].join('\n');
    expect(lock.length).toBeGreaterThan(1_400_000);
    r.commit('build(deps): bump', { 'package-lock.json': lock, 'yarn.lock': '# yarn lockfile v1\n', 'blob.dat': Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00]) });
    expect(r.git('diff', '--stat', base, 'HEAD')).toContain('Bin'); // git itself calls the lockfile binary
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    expect(res.findings.filter((f) => f.ruleId === 'diff/binary-files').map((f) => f.file)).toEqual(['blob.dat']);
    expect(res.findings.filter((f) => f.ruleId === 'diff/max-file-size')).toEqual([]);
    const secrets = res.findings.filter((f) => f.ruleId === 'diff/secrets');
    expect(secrets.map((f) => [f.file, f.line])).toEqual([['package-lock.json', 9004]]);
  });

  it('still holds an ordinary file to gate.diff.maxFileBytes, and a lockfile to gate.diff.lockfileMaxBytes', async () => {
    const r = repo();
    const base = r.commit('chore: init', { 'README.md': '# x\n' });
    r.commit('chore: big', { 'data.json': 'x'.repeat(1_200_000) + '\n', 'sub/pnpm-lock.yaml': 'y'.repeat(1_200_000) + '\n' });
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    expect(res.findings.filter((f) => f.ruleId === 'diff/max-file-size').map((f) => f.file)).toEqual(['data.json']);
    const strict = ShardshipConfig.parse({ version: 1, gate: { diff: { lockfileMaxBytes: 1_000_000 } } });
    const again = await gate(r, { kind: 'range', from: base, to: 'HEAD' }, strict);
    expect(again.findings.filter((f) => f.ruleId === 'diff/max-file-size').map((f) => f.file)).toEqual(['data.json', 'sub/pnpm-lock.yaml']);
  });
});

describe('findings are reported per commit', () => {
  it('reports a binary file and an oversized file in every commit that changes it, on a linear history', async () => {
    const r = repo();
    const base = r.commit('chore: init', { 'README.md': '# x\n' });
    const shas: string[] = [];
    for (let i = 0; i < 4; i++) {
      // The same size every time; different content.
      shas.push(r.commit(`feat: asset ${i}`, { 'asset.bin': Buffer.concat([Buffer.from([0, i]), Buffer.alloc(1_100_000, i + 1)]) }));
    }
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    const per = (rule: string) => res.findings.filter((f) => f.ruleId === rule).map((f) => f.commit);
    expect(per('diff/binary-files')).toEqual(shas);
    expect(per('diff/max-file-size')).toEqual(shas);
    expect(new Set(res.findings.map((f) => f.fingerprint)).size).toBe(res.findings.length);
  });

  it('still reports a finding reached through a merge and its branch once', async () => {
    const r = repo();
    const base = r.commit('chore: init', { 'README.md': '# x\n' });
    r.git('checkout', '-q', '-b', 'topic');
    r.commit('feat: asset', { 'asset.bin': Buffer.from([0, 1, 2, 3]) });
    r.git('checkout', '-q', 'main');
    r.commit('docs: other', { 'OTHER.md': 'x\n' });
    r.git('merge', '-q', '--no-ff', '--no-edit', 'topic');
    const res = await gate(r, { kind: 'range', from: base, to: 'HEAD' });
    expect(res.findings.filter((f) => f.ruleId === 'diff/binary-files')).toHaveLength(1);
  });
});
