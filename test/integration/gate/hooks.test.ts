// `shardship hooks install` into real repositories, and a real `git commit` through the hooks.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { SHARDSHIP_BIN } from '../../../pipeline/gate/hooks.js';
import { GIT_ENV, TempRepo } from '../../unit/gate/git-fixture.js';

async function cli(dir: string, args: string[]) {
  const output = memoryOutput();
  const code = await main(args, { cwd: dir, output, env: { ...process.env }, stdin: Readable.from(['']) });
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}

describe('shardship hooks', () => {
  it('installs commit-msg and pre-commit hooks that call shardship by absolute path', async () => {
    const r = TempRepo.create({ prefix: 'hooks' });
    try {
      const res = await cli(r.dir, ['hooks', 'install']);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/^tip: `shardship lint-server start` keeps ESLint loaded/m);
      for (const name of ['commit-msg', 'pre-commit']) {
        const path = join(r.dir, '.git', 'hooks', name);
        expect(statSync(path).mode & 0o111).not.toBe(0);
        expect(readFileSync(path, 'utf8')).toContain(`'${process.execPath}' '${SHARDSHIP_BIN}' gate`);
      }
      // Re-installing our own hooks is fine; someone else's hook is kept unless --force.
      expect((await cli(r.dir, ['hooks', 'install'])).code).toBe(0);
      writeFileSync(join(r.dir, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\necho custom\n');
      const clash = await cli(r.dir, ['hooks', 'install']);
      expect(clash.code).toBe(2);
      expect(clash.err).toContain('was not installed by shardship');
      expect((await cli(r.dir, ['hooks', 'install', '--force'])).code).toBe(0);
    } finally {
      r.remove();
    }
  });

  it('honours core.hooksPath, and a real git commit with a bad message is refused', async () => {
    const r = TempRepo.create({ prefix: 'hooks-path' });
    try {
      r.git('config', 'core.hooksPath', 'tools/githooks');
      expect((await cli(r.dir, ['hooks', 'install'])).code).toBe(0);
      expect(existsSync(join(r.dir, 'tools', 'githooks', 'commit-msg'))).toBe(true);
      expect(existsSync(join(r.dir, '.git', 'hooks', 'commit-msg'))).toBe(false);

      r.write('a.txt', 'a\n');
      r.git('add', 'a.txt');
      const bad = spawnSync('git', ['commit', '-q', '-m', 'did stuff'], { cwd: r.dir, env: GIT_ENV, encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
      expect(bad.stdout + bad.stderr).toContain('type may not be empty');
      const good = spawnSync('git', ['commit', '-q', '-m', 'feat: add a'], { cwd: r.dir, env: GIT_ENV, encoding: 'utf8' });
      // Both hooks ran; a clean commit says "gate passed" once, not once per hook.
      expect((good.stdout + good.stderr).match(/gate passed/g)).toHaveLength(1);
      expect(good.stdout + good.stderr).toContain('gate passed  1 staged file');
      expect(good.status).toBe(0);
    } finally {
      r.remove();
    }
    // Four CLI start-ups through real hooks: slow on a loaded machine.
  }, 600_000);

  it('the hooks see what git hands them: commit -a\'s temporary index and -c settings', async () => {
    const r = TempRepo.create({ prefix: 'hooks-env' });
    try {
      r.commit('chore: init', { 'a.txt': 'a\n' });
      expect((await cli(r.dir, ['hooks', 'install'])).code).toBe(0);
      // Not staged: only `commit -a`'s temporary index (GIT_INDEX_FILE) holds the marker.
      r.write('a.txt', 'a\n<<<<<<< HEAD\n');
      const marked = spawnSync('git', ['commit', '-q', '-a', '-m', 'fix: a'], { cwd: r.dir, env: GIT_ENV, encoding: 'utf8' });
      expect(marked.stdout + marked.stderr).toContain('diff/conflict-markers');
      expect(marked.status).not.toBe(0);
      // `git -c` reaches hooks as GIT_CONFIG_PARAMETERS: the gate drops `;` comment lines like git.
      r.write('a.txt', 'a\nb\n');
      writeFileSync(join(r.dir, '.git', 'MSG'), '; a comment line, per core.commentChar\nfeat: add b\n');
      const commented = spawnSync('git', ['-c', 'core.commentChar=;', 'commit', '-q', '-a', '--cleanup=strip', '-F', join(r.dir, '.git', 'MSG')], { cwd: r.dir, env: GIT_ENV, encoding: 'utf8' });
      expect(commented.stdout + commented.stderr).toContain('gate passed');
      expect(commented.status).toBe(0);
    } finally {
      r.remove();
    }
  }, 600_000);

  it('prints a ready pre-receive script', async () => {
    const res = await cli(process.cwd(), ['hooks', 'pre-receive']);
    expect(res.code).toBe(0);
    expect(res.out.startsWith('#!/bin/sh\n')).toBe(true);
    expect(res.out).toContain(`'${SHARDSHIP_BIN}' gate --pre-receive`);
  });
});
