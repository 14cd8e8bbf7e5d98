// A secret one rule finds is never printed by another: diff/secrets masks a token, and ESLint's
// no-dupe-keys / no-undef messages quote the same token. Every reporter (text, --json, --github,
// --sarif) and the gate stage's result (what check-run payloads are built from) show it masked.
// Real temp git repo, real ESLint (shardship's default config), real secretlint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../../pipeline/cli/main.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { gateStage } from '../../../pipeline/events/wire-gate.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';

// A GitHub personal access token shape (ghp_ + 36), as an identifier ESLint quotes in its messages.
const TOKEN = 'ghp_' + 'Zr1Jq9kS0xPqL2mN3bV4cX5zA6sD7fG8hJ9k';

async function cli(repo: TempRepo, args: string[]) {
  const output = memoryOutput();
  const code = await main(args, { cwd: repo.dir, output, env: { ...process.env }, stdin: Readable.from(['']) });
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}

describe('a secret found by diff/secrets is masked in every other finding', () => {
  let r: TempRepo;
  let base: string;
  beforeAll(() => {
    r = TempRepo.create({ prefix: 'redact' });
    base = r.commit('chore: init', { 'README.md': '# x\n' });
    r.commit('feat: keys', { 'src/keys.js': `export const o = { ${TOKEN}: 1, ${TOKEN}: 2 };\nexport const y = ${TOKEN};\n` });
  });
  afterAll(() => r.remove());

  it('ESLint reported the token (no-dupe-keys, no-undef), yet no format prints it', async () => {
    const sarifFile = join(r.dir, '.git', 'gate.sarif');
    const text = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--github', '--sarif', sarifFile]);
    const json = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json', '--github']);
    expect(text.code).toBe(1);
    const report = JSON.parse(json.out) as { findings: { ruleId: string; message: string }[] };
    const eslint = report.findings.filter((f) => f.ruleId === 'code/eslint').map((f) => f.message);
    // The findings are there, with the token masked where it was quoted.
    expect(eslint.some((m) => m.includes('(no-dupe-keys)'))).toBe(true);
    expect(eslint.some((m) => m.includes('(no-undef)'))).toBe(true);
    expect(report.findings.some((f) => f.ruleId === 'diff/secrets')).toBe(true);
    expect(text.out).toContain('::error file=src/keys.js');
    for (const printed of [text.out, text.err, json.out, json.err, readFileSync(sarifFile, 'utf8')]) {
      expect(printed).not.toContain(TOKEN);
      // Not even most of it: a preview keeps at most its first and last two characters.
      expect(printed).not.toContain(TOKEN.slice(4, 20));
    }
  });

  it("the gate stage's result, which check runs and PR comments are built from, is masked too", async () => {
    const stage = gateStage({ repoDir: r.dir, config: ShardshipConfig.parse({ version: 1 }), env: process.env, input: () => '' });
    const g = await stage.gate!({ base, head: r.head(), extraMessages: [] });
    expect(g.findings.some((f) => f.ruleId === 'code/eslint')).toBe(true);
    expect(JSON.stringify(g)).not.toContain(TOKEN.slice(4, 20));
  });
});
