// A secret-named build arg that the Dockerfile consumes would be baked into the image history.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function repo(dockerfile: string, yamlExtra: string): string {
  const d = tempDir('secret-args');
  dirs.push(d);
  writeFileSync(join(d, 'Dockerfile'), dockerfile);
  writeFileSync(join(d, 'shardship.yaml'), `version: 1\nbuild:\n  repository: 127.0.0.1:5000/x\n${yamlExtra}`);
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e', PATH: process.env.PATH };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: d });
  execFileSync('git', ['add', '-A'], { cwd: d });
  execFileSync('git', ['commit', '-q', '-m', 'feat: x'], { cwd: d, env });
  return d;
}

async function dryRun(dir: string, extra: string[] = []) {
  const output = memoryOutput();
  const code = await main(['build', '--dry-run', ...extra], { cwd: dir, env: {}, output });
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}

describe('secret-named build args', () => {
  it('refuses (exit 2) when the Dockerfile declares the ARG, naming build secrets and the opt-in', async () => {
    const d = repo('FROM scratch\nARG NPM_TOKEN\nARG PASSWORD=x\n', '  args: { NPM_TOKEN: t0k, PASSWORD: ab, MODE: prod }\n');
    const r = await dryRun(d);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain('build args NPM_TOKEN, PASSWORD look secret');
    expect(r.err).toContain('image history');
    expect(r.err).toContain('build secret');
    expect(r.err).toContain('build.allowSecretArgs');
    expect(r.err).not.toMatch(/t0k|\bab\b/);
  });

  it('also for a --build-arg from the command line', async () => {
    const d = repo('FROM scratch\nARG DB_PASSWORD\n', '');
    expect((await dryRun(d, ['--build-arg', 'DB_PASSWORD=p'])).code).toBe(2);
  });

  it('builds with a warning when allowed; an undeclared secret arg is not in the history and passes silently', async () => {
    const allowed = await dryRun(repo('FROM scratch\nARG NPM_TOKEN\n', '  args: { NPM_TOKEN: t0k }\n  allowSecretArgs: true\n'));
    expect(allowed.code, allowed.err).toBe(0);
    expect(allowed.err).toMatch(/warning build arg NPM_TOKEN looks secret/);
    expect(allowed.out).toContain('build-arg NPM_TOKEN=***');
    const unused = await dryRun(repo('FROM scratch\n', '  args: { NPM_TOKEN: t0k }\n'));
    expect(unused.code, unused.err).toBe(0);
    expect(unused.err).not.toContain('warning');
  });
});
