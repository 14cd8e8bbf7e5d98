// scripts/lint-workflows.mjs (run by .ci/run): actionlint with shellcheck on the shipped
// workflows and the docs' snippets, action-validator on every action.yml. The shipped files
// are clean, and a broken workflow is caught, so a lint error fails CI.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinary, removeDir, tempDir } from '../../support/service.js';
// @ts-expect-error: a plain .mjs script without types
import { workflowSnippets } from '../../../scripts/lint-workflows.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'lint-workflows.mjs');
const dir = tempDir('lint-workflows');
afterAll(() => removeDir(dir));

describe('lint-workflows', () => {
  it('passes on the example workflow, the docs’ snippets and the six action.yml', () => {
    ensureBinary('shellcheck', ['shellcheck']);
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/examples\/loan-service\/\.github\/workflows\/shardship\.yml, docs\/github\.md:\d+\); action-validator: 6 action\.yml; 0 problem/);
  }, 600_000);

  it('fails on a workflow error and on an unquoted shell expansion (shellcheck)', () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'on: pushh\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $UNQUOTED_VAR\n');
    const r = spawnSync(process.execPath, [SCRIPT, bad], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.yml:1:\d+: unknown Webhook event "pushh"/);
    expect(r.stderr).toMatch(/bad\.yml:6:\d+: shellcheck reported issue in this script: SC2086/);
  }, 600_000);

  it('extracts only workflow blocks from markdown, with their line', () => {
    const md = 'x\n```yaml\nversion: 1\n```\ntext\n```yaml\non: push\njobs:\n  a: {}\n```\n';
    expect(workflowSnippets(md)).toEqual([{ line: 7, text: 'on: push\njobs:\n  a: {}\n' }]);
  });
});
