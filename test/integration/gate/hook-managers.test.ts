// `shardship hooks install` in repositories whose hooks a manager owns: real husky and lefthook
// from npm, real `git commit`s refused and accepted through them. The pre-commit framework is
// Python and PyPI is out of reach here, so its manifest is checked against the schema pre-commit
// documents (clientlib.py, MANIFEST_HOOK_DICT) and its entries are run exactly as pre-commit runs
// them: shlex-split entry + args + file names, with the hook environment's bin on PATH.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { lefthookConfig, preCommitConfig, preCommitHooks } from '../../../pipeline/gate/hook-managers.js';
import { GIT_ENV, TempRepo } from '../../unit/gate/git-fixture.js';
import { npmTools } from '../../support/npm-tools.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'shardship.js');
const HUSKY = 'husky@9.1.7';
const LEFTHOOK = 'lefthook@2.2.2';
// A GitHub token shape the secrets rule refuses (built here so that no scanner flags this file).
const LEAK = `const token = "${'ghp_'}${'N7wq2RkV8mZ4xT6bLp3sY9cH1dF5gJ0aQeUu'}";\n`;

let tools: string;
beforeAll(() => {
  tools = npmTools([HUSKY, LEFTHOOK]);
}, 300_000);

async function cli(dir: string, args: string[]) {
  const output = memoryOutput();
  const code = await main(args, { cwd: dir, output, env: { ...process.env }, stdin: Readable.from(['']) });
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}

/** A JavaScript project as npm would leave it: the managers and shardship in node_modules. */
function project(prefix: string): TempRepo {
  const r = TempRepo.create({ prefix });
  r.write('package.json', '{ "name": "app", "private": true }\n');
  r.write('.gitignore', 'node_modules\n');
  mkdirSync(join(r.dir, 'node_modules', '.bin'), { recursive: true });
  for (const pkg of readdirSync(join(tools, 'node_modules'))) {
    if (!pkg.startsWith('.')) symlinkSync(join(tools, 'node_modules', pkg), join(r.dir, 'node_modules', pkg));
  }
  for (const bin of ['husky', 'lefthook']) symlinkSync(join(tools, 'node_modules', '.bin', bin), join(r.dir, 'node_modules', '.bin', bin));
  // What `npm install -D shardship` links.
  symlinkSync(BIN, join(r.dir, 'node_modules', '.bin', 'shardship'));
  r.commit('chore: start');
  return r;
}

function gitCommit(r: TempRepo, message: string) {
  const res = spawnSync('git', ['commit', '-q', '-m', message], { cwd: r.dir, env: GIT_ENV, encoding: 'utf8' });
  return { status: res.status, all: res.stdout + res.stderr };
}

function run(r: TempRepo, cmd: string, args: string[]) {
  const res = spawnSync(cmd, args, { cwd: r.dir, env: GIT_ENV, encoding: 'utf8' });
  expect(res.status, res.stdout + res.stderr).toBe(0);
  return res.stdout;
}

describe('hooks install with husky', () => {
  it('adds the gate to .husky/pre-commit and commit-msg, keeps core.hooksPath, and real commits go through husky', async () => {
    const r = project('husky');
    try {
      run(r, process.execPath, ['node_modules/husky/bin.js']);
      expect(r.git('config', 'core.hooksPath').trim()).toBe('.husky/_');
      r.write('.husky/pre-commit', 'echo "team pre-commit ran"\n');
      const huskyOwn = readFileSync(join(r.dir, '.husky', '_', 'pre-commit'), 'utf8');

      const res = await cli(r.dir, ['hooks', 'install']);
      expect(res.code, res.err).toBe(0);
      expect(res.out).toContain('husky: added shardship in .husky/pre-commit');
      expect(res.out).toContain('husky: added shardship in .husky/commit-msg');
      expect(r.git('config', 'core.hooksPath').trim()).toBe('.husky/_');
      expect(readFileSync(join(r.dir, '.husky', '_', 'pre-commit'), 'utf8')).toBe(huskyOwn);
      const preCommit = readFileSync(join(r.dir, '.husky', 'pre-commit'), 'utf8');
      expect(preCommit).toBe('echo "team pre-commit ran"\nshardship gate --staged # shardship hooks install\n');

      // Idempotent: nothing changes, and it says so.
      const again = await cli(r.dir, ['hooks', 'install', '--json']);
      const doc = JSON.parse(again.out) as { managed: { file: string; change: string }[]; installed: unknown[] };
      expect(doc.installed).toEqual([]);
      expect(doc.managed.map((m) => m.change)).toEqual(['unchanged', 'unchanged']);
      expect(readFileSync(join(r.dir, '.husky', 'pre-commit'), 'utf8')).toBe(preCommit);

      r.write('src/a.ts', LEAK);
      r.git('add', 'src/a.ts');
      const leaked = gitCommit(r, 'feat: add a');
      expect(leaked.status).not.toBe(0);
      expect(leaked.all).toContain('team pre-commit ran');
      expect(leaked.all).toMatch(/diff\/secrets/);
      expect(leaked.all).not.toContain('N7wq2RkV8mZ4xT6bLp3sY9cH1dF5gJ0aQeUu');

      r.write('src/a.ts', 'export const a = 1;\n');
      r.git('add', 'src/a.ts');
      const badMessage = gitCommit(r, 'did stuff');
      expect(badMessage.status).not.toBe(0);
      expect(badMessage.all).toContain('type may not be empty');
      const good = gitCommit(r, 'feat: add a');
      expect(good.status, good.all).toBe(0);
      expect(good.all).toContain('gate passed');
    } finally {
      r.remove();
    }
  }, 600_000);
});

describe('hooks install with lefthook', () => {
  it('adds commands to lefthook.yml keeping comments, idempotently, and real commits go through lefthook', async () => {
    const r = project('lefthook');
    try {
      r.write('lefthook.yml', '# team hooks\npre-commit:\n  commands:\n    team:\n      run: echo "team lefthook ran"   # keep me\n');
      const res = await cli(r.dir, ['hooks', 'install']);
      expect(res.code, res.err).toBe(0);
      expect(res.out).toContain('lefthook: added shardship in lefthook.yml');
      expect(res.out).toContain('next: run `npx lefthook install`');
      const config = readFileSync(join(r.dir, 'lefthook.yml'), 'utf8');
      expect(config).toContain('# team hooks');
      expect(config).toContain('# keep me');
      expect(parse(config)).toEqual({
        'pre-commit': { commands: { team: { run: 'echo "team lefthook ran"' }, 'shardship-gate': { run: 'npx --no-install shardship gate --staged' } } },
        'commit-msg': { commands: { 'shardship-commit-msg': { run: 'npx --no-install shardship gate --commit-msg {1}' } } },
      });
      expect((await cli(r.dir, ['hooks', 'install'])).out).toContain('lefthook: shardship already in lefthook.yml');
      expect(readFileSync(join(r.dir, 'lefthook.yml'), 'utf8')).toBe(config);
      // No hooks of shardship's own: lefthook owns the hooks folder.
      expect(readdirSync(join(r.dir, '.git', 'hooks')).filter((f) => !f.endsWith('.sample'))).toEqual([]);

      run(r, join(r.dir, 'node_modules', '.bin', 'lefthook'), ['install']);
      r.write('src/a.ts', LEAK);
      r.git('add', 'src/a.ts');
      const leaked = gitCommit(r, 'feat: add a');
      expect(leaked.status).not.toBe(0);
      expect(leaked.all).toMatch(/diff\/secrets/);
      expect(leaked.all).not.toContain('N7wq2RkV8mZ4xT6bLp3sY9cH1dF5gJ0aQeUu');

      r.write('src/a.ts', 'export const a = 1;\n');
      r.git('add', 'src/a.ts');
      const badMessage = gitCommit(r, 'did stuff');
      expect(badMessage.status).not.toBe(0);
      expect(badMessage.all).toContain('type may not be empty');
      const good = gitCommit(r, 'feat: add a');
      expect(good.status, good.all).toBe(0);
      expect(good.all).toContain('team lefthook ran');
    } finally {
      r.remove();
    }
  }, 600_000);

  it('adds a job where a hook uses lefthook jobs, and updates its own entry in place', () => {
    const before = 'pre-commit:\n  jobs:\n    - name: lint\n      run: npm run lint\n    - name: shardship-gate\n      run: old command\n';
    const after = parse(lefthookConfig(before)) as { 'pre-commit': { jobs: { name: string; run: string }[] } };
    expect(after['pre-commit'].jobs).toEqual([
      { name: 'lint', run: 'npm run lint' },
      { name: 'shardship-gate', run: 'npx --no-install shardship gate --staged' },
    ]);
    expect(() => lefthookConfig('pre-commit: [unclosed\n')).toThrow();
  });
});

// pre-commit's documented hook schema (pre_commit/clientlib.py MANIFEST_HOOK_DICT, 4.x).
const STAGES = ['commit-msg', 'post-checkout', 'post-commit', 'post-merge', 'post-rewrite', 'pre-commit', 'pre-merge-commit', 'pre-push', 'pre-rebase', 'prepare-commit-msg', 'manual'] as const;
const LANGUAGES = ['conda', 'coursier', 'dart', 'docker', 'docker_image', 'dotnet', 'fail', 'golang', 'haskell', 'julia', 'lua', 'node', 'perl', 'pygrep', 'python', 'r', 'ruby', 'rust', 'swift', 'system', 'script', 'unsupported', 'unsupported_script'] as const;
const ManifestHook = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  entry: z.string().min(1),
  language: z.enum(LANGUAGES),
  alias: z.string().optional(),
  files: z.string().optional(),
  exclude: z.string().optional(),
  types: z.array(z.string()).optional(),
  types_or: z.array(z.string()).optional(),
  exclude_types: z.array(z.string()).optional(),
  additional_dependencies: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  always_run: z.boolean().optional(),
  fail_fast: z.boolean().optional(),
  pass_filenames: z.boolean().optional(),
  description: z.string().optional(),
  language_version: z.string().optional(),
  log_file: z.string().optional(),
  minimum_pre_commit_version: z.string().regex(/^\d+(\.\d+)*$/).optional(),
  require_serial: z.boolean().optional(),
  stages: z.array(z.enum(STAGES)).optional(),
  verbose: z.boolean().optional(),
});
const Manifest = z.array(ManifestHook).min(1);
const PreCommitConfig = z.object({
  repos: z.array(
    z.union([
      z.object({ repo: z.literal('local'), hooks: z.array(ManifestHook) }),
      z.object({ repo: z.string().refine((s) => s !== 'local' && s !== 'meta'), rev: z.string(), hooks: z.array(z.object({ id: z.string() }).loose()) }),
    ]),
  ),
});

describe('the pre-commit framework', () => {
  const manifest = Manifest.parse(parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')));

  it('.pre-commit-hooks.yaml is valid against pre-commit’s manifest schema and names shardship-gate', () => {
    expect(manifest.map((h) => h.id)).toEqual(['shardship-gate', 'shardship-commit-msg']);
    // The shipped file and the hooks `hooks install` writes are the same hooks.
    expect(manifest.map(({ description: _d, minimum_pre_commit_version: _m, ...h }) => h)).toEqual(preCommitHooks());
    // node: pre-commit installs this package and puts its bin on PATH; `shardship` must be that bin.
    expect((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin).toHaveProperty('shardship');
  });

  it('its entries work when run as pre-commit runs them', () => {
    const r = TempRepo.create({ prefix: 'pre-commit-entry' });
    const envBin = join(r.dir, '.pre-commit-env', 'bin');
    try {
      r.commit('chore: start');
      mkdirSync(envBin, { recursive: true });
      symlinkSync(BIN, join(envBin, 'shardship'));
      const env = { ...GIT_ENV, PATH: `${envBin}:${process.env.PATH}` };
      const hook = (id: string, filenames: string[]) => {
        const h = manifest.find((x) => x.id === id)!;
        const [cmd, ...args] = h.entry.split(/\s+/);
        const files = h.pass_filenames === false ? [] : filenames;
        return spawnSync(cmd!, [...args, ...(h.args ?? []), ...files], { cwd: r.dir, env, encoding: 'utf8' });
      };
      r.write('src/a.ts', LEAK);
      r.git('add', 'src/a.ts');
      const leaked = hook('shardship-gate', ['src/a.ts']);
      expect(leaked.status).toBe(1);
      expect(leaked.stdout + leaked.stderr).toMatch(/diff\/secrets/);
      r.write('src/a.ts', 'export const a = 1;\n');
      r.git('add', 'src/a.ts');
      expect(hook('shardship-gate', ['src/a.ts']).status).toBe(0);

      r.write('.git/COMMIT_EDITMSG', 'did stuff\n');
      const bad = hook('shardship-commit-msg', ['.git/COMMIT_EDITMSG']);
      expect(bad.status).toBe(1);
      expect(bad.stdout + bad.stderr).toContain('type may not be empty');
      r.write('.git/COMMIT_EDITMSG', 'feat: add a\n');
      expect(hook('shardship-commit-msg', ['.git/COMMIT_EDITMSG']).status).toBe(0);
    } finally {
      r.remove();
    }
  }, 300_000);

  it('hooks install adds a local repo to .pre-commit-config.yaml, valid, keeping the team’s repos, idempotently', async () => {
    const r = TempRepo.create({ prefix: 'pre-commit-config' });
    try {
      const before = 'repos:\n  # formatting\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v5.0.0\n    hooks:\n      - id: trailing-whitespace\n';
      writeFileSync(join(r.dir, '.pre-commit-config.yaml'), before);
      const res = await cli(r.dir, ['hooks', 'install']);
      expect(res.code, res.err).toBe(0);
      expect(res.out).toContain('pre-commit: added shardship in .pre-commit-config.yaml');
      expect(res.out).toContain('pre-commit install --hook-type pre-commit --hook-type commit-msg');
      const after = readFileSync(join(r.dir, '.pre-commit-config.yaml'), 'utf8');
      expect(after).toContain('# formatting');
      const config = PreCommitConfig.parse(parse(after));
      expect(config.repos[0]).toMatchObject({ repo: 'https://github.com/pre-commit/pre-commit-hooks', rev: 'v5.0.0' });
      expect(config.repos[1]).toEqual({ repo: 'local', hooks: preCommitHooks().map((h) => ({ ...h, language: 'system' })) });
      expect(preCommitConfig(after)).toBe(after);
      expect((await cli(r.dir, ['hooks', 'install'])).out).toContain('pre-commit: shardship already in .pre-commit-config.yaml');
      expect(readdirSync(join(r.dir, '.git', 'hooks')).filter((f) => !f.endsWith('.sample'))).toEqual([]);
    } finally {
      r.remove();
    }
  });
});
