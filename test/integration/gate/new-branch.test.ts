// `shardship run --event push` on a new branch (before = zeros) gates every commit the push
// makes new relative to the default branch, as the pre-receive hook does; a repository's
// first push (a root commit) gates from the root. Real clone of a real repo, the gate stage as
// `run` wires it, and the plan it gets from the push payload.
import { afterAll, describe, expect, it } from 'vitest';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { gateStage } from '../../../pipeline/events/wire-gate.js';
import { planEvent } from '../../../pipeline/events/plan.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';
import { tempDir } from '../../support/service.js';

const SLACK = 'xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn';
const ZERO = '0'.repeat(40);
const config = ShardshipConfig.parse({ version: 1, gate: { rules: { 'code/eslint': 'off' } } });
const repos: TempRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

function pushPlan(ref: string, after: string, defaultBranch = 'main') {
  const plan = planEvent('push', { ref, before: ZERO, after, repository: { full_name: 'o/r', default_branch: defaultBranch } }, config);
  const step = plan.steps.find((s) => s.stage === 'gate');
  if (step?.stage !== 'gate') throw new Error('no gate step');
  return step;
}

describe('run --event push on a new branch', () => {
  it('gates every commit not on the default branch: a secret added then removed still fails', async () => {
    const origin = TempRepo.create({ prefix: 'newbranch-origin' });
    repos.push(origin);
    origin.commit('feat: init', { 'README.md': '# x\n' });
    origin.commit('feat: more', { 'a.txt': 'a\n' });
    const clone = new TempRepo(tempDir('newbranch-clone'));
    repos.push(clone);
    clone.git('clone', '-q', origin.dir, '.');
    clone.git('checkout', '-q', '-b', 'feature');
    const leak = clone.commit('feat: add token', { 'src/t.ts': `export const t = "${SLACK}";\n` });
    const head = clone.commit('fix: remove token', { 'src/t.ts': 'export const t = process.env.T;\n' });

    const step = pushPlan('refs/heads/feature', head);
    const g = await gateStage({ repoDir: clone.dir, config, env: process.env, input: () => '' }).gate!(step);
    expect(g.passed).toBe(false);
    expect(g.findings.filter((f) => f.ruleId === 'diff/secrets').map((f) => f.commit)).toEqual([leak]);
    expect(JSON.stringify(g)).not.toContain('abcdefghijABCDEFGHIJ');
  });

  it("gates a repository's first push from its root commit", async () => {
    const r = TempRepo.create({ prefix: 'newbranch-root' });
    repos.push(r);
    const root = r.commit('bad root', { 'README.md': '# x\n' });
    const step = pushPlan('refs/heads/main', root);
    const g = await gateStage({ repoDir: r.dir, config, env: process.env, input: () => '' }).gate!(step);
    expect(g.passed).toBe(false);
    expect(g.findings.map((f) => [f.ruleId, f.commit])).toContainEqual(['commit/message', root]);
    const good = r.commit('feat: second', { 'b.txt': 'b\n' });
    const both = await gateStage({ repoDir: r.dir, config, env: process.env, input: () => '' }).gate!(pushPlan('refs/heads/main', good));
    expect(new Set(both.findings.map((f) => f.commit))).toEqual(new Set([root]));
  });
});
