// bin/shardship.js runs the CLI bundle in dist/cli, rebuilt when the sources are newer, and
// an installed copy of the package (no sources beside it) runs from the bundle alone.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir, tempDir } from '../../support/service.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'shardship.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function cli(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function newestSource(): number {
  let newest = 0;
  for (const dir of ['pipeline', 'rules']) {
    for (const f of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) if (f.endsWith('.ts')) newest = Math.max(newest, statSync(join(ROOT, dir, f)).mtimeMs);
  }
  return newest;
}

describe('bin/shardship.js', () => {
  it('runs from a bundle at least as new as every source file, with the same commands as the sources', () => {
    const bundled = cli(BIN, ['--help']);
    expect(bundled.status).toBe(0);
    expect(statSync(join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs).toBeGreaterThanOrEqual(newestSource());
    const fromSource = cli(BIN, ['--help'], { SHARDSHIP_FROM_SOURCE: '1' });
    expect(fromSource.status).toBe(0);
    expect(bundled.stdout).toBe(fromSource.stdout);
    expect(bundled.stdout).toMatch(/gate .*\n[\s\S]*release/);
  });

  it('an installed copy without sources runs from its bundle and finds its own files', () => {
    cli(BIN, ['--help']);
    const pkg = tempDir('installed-shardship');
    dirs.push(pkg);
    for (const d of ['bin', 'dist/cli', 'deploy-templates', 'schema']) cpSync(join(ROOT, d), join(pkg, d), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    const bin = join(pkg, 'bin', 'shardship.js');
    // The printed server hook calls this copy, not the checkout it was built in.
    const hook = cli(bin, ['hooks', 'pre-receive']);
    expect(hook.status).toBe(0);
    expect(hook.stdout).toContain(`'${bin}' gate --pre-receive`);
    // A usage error still maps to exit 2 from the bundle.
    expect(cli(bin, ['gate', '--from']).status).toBe(2);
    // A real gate run through the copy: a bad message fails with exit 1.
    const repo = TempRepo.create({ prefix: 'installed-gate' });
    dirs.push(repo.dir);
    repo.commit('chore: start');
    repo.commit('fixed stuff');
    const gate = spawnSync(process.execPath, [bin, 'gate', '--from', 'HEAD~1', '--to', 'HEAD'], { cwd: repo.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(gate.status).toBe(1);
    expect(gate.stdout + gate.stderr).toMatch(/subject may not be empty|type may not be empty/);
  });
});
