// `shardship gate` through the CLI entry (in process): output formats, exit codes, baseline,
// and bad config. Real temp git repos.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { allRules } from '../../../rules/index.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';

// Other groups' rules (code, sql, dockerfile) are tested by their owners: keep them out of these assertions.
const othersOff = allRules.filter((x) => x.group !== 'commit' && x.group !== 'diff').map((x) => `    ${x.id}: off`);

async function cli(repo: TempRepo, args: string[], stdin = '') {
  const output = memoryOutput();
  const code = await main(args, { cwd: repo.dir, output, env: { ...process.env }, stdin: Readable.from([stdin]) });
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}

describe('shardship gate CLI', () => {
  let r: TempRepo;
  let base: string;
  beforeAll(() => {
    r = TempRepo.create({ prefix: 'cli' });
    base = r.commit('chore: init', { 'README.md': '# x\n', 'migrations/V1__init.sql': 'create table a (id int primary key);\n' });
    r.commit('feat: add config', { 'src/config.ts': 'export const region = "eu";\n' });
    r.commit('bad commit', {
      'src/keys.ts': 'export const k = 1;\naws_secret_access_key = "Zr1Jq9kS0xPqL2mN3bV4cX5zA6sD7fG8hJ9kL0qW"\nconst slack = "xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn";\n',
      'migrations/V1__init.sql': 'create table a (id bigint primary key);\n',
      'migrations/V1__again.sql': 'create table b (id int primary key);\n',
    });
  });
  afterAll(() => r.remove());

  it('prints findings grouped by commit and file with file:line, and exits 1', async () => {
    const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD']);
    expect(res.code).toBe(1);
    expect(res.out).toContain(`commit ${r.head().slice(0, 12)}`);
    expect(res.out).toMatch(/error commit [0-9a-f]{12} "bad commit": subject may not be empty/);
    expect(res.out).toContain('applied migration migrations/V1__init.sql was edited');
    expect(res.out).toContain('migration version 1 is already used by migrations/V1__init.sql');
    expect(res.out).toContain('gate failed');
  });

  it('never prints a detected secret, only a masked preview', async () => {
    const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json']);
    const report = JSON.parse(res.out);
    const secrets = report.findings.filter((f: { ruleId: string }) => f.ruleId === 'diff/secrets');
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets[0]).toMatchObject({ file: 'src/keys.ts', severity: 'error' });
    expect(secrets.map((f: { line: number }) => f.line)).toEqual([2, 3]);
    expect(res.out).not.toContain('Zr1Jq9kS0xPqL2mN3bV4cX5zA6sD7fG8hJ9kL0qW');
    expect(res.out).not.toContain('abcdefghijABCDEFGHIJklmn');
    expect(secrets[0].message).toMatch(/\*{4,}/);
  });

  it('--json has the documented stable shape', async () => {
    const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD~1', '--json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out);
    expect(report).toEqual({
      schemaVersion: 1,
      passed: true,
      summary: { errors: 0, warnings: 0, suppressed: 0, commits: 1, files: 1 },
      subjects: [expect.stringMatching(/^[0-9a-f]{12}\.\.[0-9a-f]{12}$/)],
      // code/eslint linted src/config.ts: no config of the repo's own, so shardship's ESLint, no notice.
      eslint: { version: expect.stringMatching(/^9\./), from: 'shardship', notice: null },
      findings: [],
    });
    const failing = JSON.parse((await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json'])).out);
    expect(Object.keys(failing.findings[0]).sort()).toEqual(['column', 'commit', 'file', 'fingerprint', 'hint', 'line', 'message', 'ruleId', 'severity', 'subject']);
  });

  it('--sarif writes SARIF 2.1.0 and --github prints workflow annotations', async () => {
    const sarifFile = join(r.dir, '.git', 'gate.sarif');
    const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--sarif', sarifFile, '--github']);
    expect(res.code).toBe(1);
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.name).toBe('shardship');
    const result = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'diff/secrets');
    expect(result.locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: 'src/keys.ts' }, region: { startLine: 2 } });
    expect(result.partialFingerprints['shardship/v1']).toMatch(/^[0-9a-f]{32}$/);
    expect(res.out).toMatch(/^::error file=src\/keys.ts,line=2,col=\d+,title=diff\/secrets::possible secret/m);
  });

  it('--write-baseline grandfathers current findings; a new finding still fails', async () => {
    const baseline = join(r.dir, '.shardship', 'baseline.json');
    const write = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--write-baseline']);
    expect(write.code).toBe(0);
    expect(JSON.parse(readFileSync(baseline, 'utf8')).schemaVersion).toBe(1);
    const again = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).summary.suppressed).toBeGreaterThan(3);
    // Lines added above a grandfathered conflict marker do not change its fingerprint.
    const r2 = TempRepo.create({ prefix: 'cli-baseline' });
    try {
      const b2 = r2.commit('chore: init');
      r2.commit('feat: add notes', { 'notes.txt': 'a\n<<<<<<< mine\n' });
      expect((await cli(r2, ['gate', '--from', b2, '--to', 'HEAD', '--write-baseline'])).code).toBe(0);
      r2.commit('feat: more notes', { 'notes.txt': 'first\nsecond\na\n<<<<<<< mine\n' });
      // Same marker, moved down two lines, in a new commit: still grandfathered.
      expect((await cli(r2, ['gate', '--from', 'HEAD~1', '--to', 'HEAD'])).code).toBe(0);
      r2.commit('feat: yet more', { 'other.txt': '>>>>>>> theirs\n' });
      const fresh = await cli(r2, ['gate', '--from', 'HEAD~1', '--to', 'HEAD', '--json']);
      expect(fresh.code).toBe(1);
      expect(JSON.parse(fresh.out).findings.map((f: { file: string }) => f.file)).toEqual(['other.txt']);
    } finally {
      r2.remove();
      rmSync(baseline);
    }
  });

  it('exits 2 with file:line, the dotted path and a hint for malformed or unknown config', async () => {
    writeFileSync(join(r.dir, 'shardship.yaml'), 'version: 1\ngate:\n  diff:\n    maxFileByte: 10\n');
    const unknown = await cli(r, ['gate', '--from', base, '--to', 'HEAD']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('shardship.yaml:4:5: gate.diff.maxFileByte: unknown key "maxFileByte" (did you mean "maxFileBytes"?)');
    writeFileSync(join(r.dir, 'shardship.yaml'), 'version: 1\ngate:\n  rules: { commit/mesage: off }\n');
    const rule = await cli(r, ['gate', '--from', base, '--to', 'HEAD']);
    expect(rule.code).toBe(2);
    expect(rule.err).toContain('gate.rules.commit/mesage: unknown rule "commit/mesage" (did you mean "commit/message"?)');
    writeFileSync(join(r.dir, 'shardship.yaml'), 'version: 1\ngate: [oops\n');
    const broken = await cli(r, ['gate', '--from', base, '--to', 'HEAD']);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/shardship\.yaml:\d+:\d+/);
    writeFileSync(
      join(r.dir, 'shardship.yaml'),
      ['version: 1', 'gate:', '  rules:', '    diff/secrets: off', '    diff/migration-immutable: off', '    diff/migration-version: warn', '    commit/message: { severity: warn }', ...othersOff, ''].join('\n'),
    );
    const relaxed = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json']);
    expect(relaxed.code).toBe(0);
    const report = JSON.parse(relaxed.out);
    expect(report.summary.errors).toBe(0);
    expect(new Set(report.findings.map((f: { ruleId: string }) => f.ruleId))).toEqual(new Set(['commit/message', 'diff/migration-version']));
    writeFileSync(join(r.dir, 'shardship.yaml'), 'version: 1\n');
  });

  it('exits 2 on usage mistakes: no mode, two modes, a missing rev', async () => {
    expect((await cli(r, ['gate'])).code).toBe(2);
    const two = await cli(r, ['gate', '--staged', '--from', base]);
    expect(two.code).toBe(2);
    expect(two.err).toContain('choose one input mode');
    const missing = await cli(r, ['gate', '--from', 'v9.9.9', '--to', 'HEAD']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--from v9.9.9 does not name a commit');
  });

  it('--only and gate.groups run the named rule groups; an unknown group is a usage error', async () => {
    const only = JSON.parse((await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--only', 'commit', '--json'])).out);
    expect(new Set(only.findings.map((f: { ruleId: string }) => f.ruleId))).toEqual(new Set(['commit/message']));
    const two = JSON.parse((await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--only', 'commit,diff', '--json'])).out);
    expect(two.findings.some((f: { ruleId: string }) => f.ruleId === 'diff/secrets')).toBe(true);
    const cfg = join(r.dir, '.git', 'groups.yaml');
    writeFileSync(cfg, 'version: 1\ngate:\n  groups: [diff]\n');
    const fromConfig = JSON.parse((await cli(r, ['gate', '--from', base, '--to', 'HEAD', '-c', cfg, '--json'])).out);
    expect(fromConfig.findings.length).toBeGreaterThan(0);
    expect(fromConfig.findings.every((f: { ruleId: string }) => f.ruleId.startsWith('diff/'))).toBe(true);
    const flagWins = JSON.parse((await cli(r, ['gate', '--from', base, '--to', 'HEAD', '-c', cfg, '--only', 'commit', '--json'])).out);
    expect(flagWins.findings.every((f: { ruleId: string }) => f.ruleId === 'commit/message')).toBe(true);
    const bad = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--only', 'comit']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown rule group "comit"');
    expect(bad.err).toContain('did you mean "commit"?');
    writeFileSync(cfg, 'version: 1\ngate:\n  groups: [sqll]\n');
    const badConfig = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '-c', cfg]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.err).toContain('gate.groups');
  });

  it('--pre-receive reads ref updates from stdin and names the rejected ref', async () => {
    // As on a server: the pushed commits exist but no ref points at them yet.
    const head = r.head();
    r.git('update-ref', 'refs/heads/main', base);
    const res = await cli(r, ['gate', '--pre-receive'], `${base} ${head} refs/heads/main\n`);
    r.git('update-ref', 'refs/heads/main', head);
    expect(res.code).toBe(1);
    expect(res.out).toContain('refs/heads/main: commit');
    expect(res.out).toContain('push rejected by shardship gate');
    const bad = await cli(r, ['gate', '--pre-receive'], 'not a ref line\n');
    expect(bad.code).toBe(2);
  });
});
