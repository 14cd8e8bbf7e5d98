// CLI conventions every command keeps, through the real bin: --version/-V, a schemaVersion in
// every --json document, bash/zsh completion, and NO_COLOR / FORCE_COLOR on each command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinary, removeDir, tempDir } from '../../support/service.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';
import { webhookExample } from '../../support/github-server/examples.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'shardship.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ESC = '\x1b[';

/** The environment without any colour preference of the machine running the tests. */
function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'CI', 'GITHUB_ACTIONS', 'TERM']) delete env[k];
  return { ...env, TERM: 'xterm-256color', ...extra };
}

function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8', env: baseEnv(opts.env) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

/** Run on a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function onTty(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const line = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', line, '/dev/null'], { cwd: opts.cwd, encoding: 'utf8', env: baseEnv(opts.env) });
  return { status: r.status, all: r.stdout + r.stderr };
}

let empty: string;
beforeAll(() => {
  empty = tempDir('cli-conventions');
});
afterAll(() => removeDir(empty));

describe('shardship --version', () => {
  it('--version and -V print the package version and exit 0', () => {
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(VERSION);
    }
    expect(cli(['--help']).stdout).toContain('-V, --version');
  });
});

describe('--json documents carry a schemaVersion', () => {
  it('every command runnable here without services prints schemaVersion 1', () => {
    const loan = tempDir('cli-json-loan');
    const repo = TempRepo.create({ prefix: 'cli-json' });
    try {
      cpSync(join(ROOT, 'examples', 'loan-service'), loan, { recursive: true });
      writeFileSync(join(loan, 'push.json'), JSON.stringify(webhookExample('push', undefined)));
      repo.commit('chore: start');
      repo.commit('feat: add a', { 'a.txt': 'a\n' });
      const runs: { args: string[]; cwd: string }[] = [
        { args: ['config', 'validate', '--json'], cwd: loan },
        { args: ['migrate', 'lint', '--json'], cwd: loan },
        { args: ['run', '--event', 'push', '--payload', 'push.json', '--dry-run', '--json'], cwd: loan },
        { args: ['gate', '--from', 'HEAD~1', '--to', 'HEAD', '--json'], cwd: repo.dir },
        { args: ['hooks', 'install', '--json'], cwd: repo.dir },
        { args: ['lint-server', 'status', '--json'], cwd: repo.dir },
        { args: ['lint-server', 'stop', '--json'], cwd: repo.dir },
        { args: ['build', '--dry-run', '--json', '--branch', 'main'], cwd: repo.dir },
      ];
      writeFileSync(join(repo.dir, 'shardship.yaml'), 'version: 1\nbuild:\n  repository: registry.local:5000/x\n');
      writeFileSync(join(repo.dir, 'Dockerfile'), 'FROM scratch\n');
      for (const { args, cwd } of runs) {
        const r = cli(args, { cwd });
        // `lint-server status` exits 1 when no server runs, like `systemctl status`.
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(args[0] === 'lint-server' && args[1] === 'status' ? 1 : 0);
        expect((JSON.parse(r.stdout) as { schemaVersion?: unknown }).schemaVersion, args.join(' ')).toBe(1);
      }
    } finally {
      removeDir(loan);
      repo.remove();
    }
  }, 300_000);
});

describe('shardship completion', () => {
  const complete = (shell: 'bash' | 'zsh', words: string[]) => {
    const script = cli(['completion', shell]).stdout;
    const file = join(empty, `completion.${shell}`);
    writeFileSync(file, script);
    const arr = words.map((w) => `'${w}'`).join(' ');
    // zsh: called as bashcompinit's compgen calls it, under `emulate -L sh` (0-based arrays, word splitting).
    const run =
      shell === 'bash'
        ? `source '${file}'; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _shardship; printf '%s\\n' "\${COMPREPLY[@]}"`
        : `autoload -U compinit && compinit -u -D; source '${file}'; t() { emulate -L sh; setopt kshglob noshglob braceexpand; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _shardship; print -l -- "\${COMPREPLY[@]}"; }; t`;
    const r = spawnSync(ensureBinary(shell, [shell]), ['-c', run], { cwd: empty, encoding: 'utf8', env: baseEnv({ HOME: empty }) });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean).sort();
  };

  for (const shell of ['bash', 'zsh'] as const) {
    it(`${shell}: completes commands, subcommands and each command's own options`, () => {
      expect(complete(shell, ['shardship', 'mi'])).toEqual(['migrate']);
      expect(complete(shell, ['shardship', 'migrate', ''])).toEqual(['apply', 'import-shardingsphere', 'lint', 'plan', 'repair', 'status', 'undo', 'verify']);
      expect(complete(shell, ['shardship', 'gate', '--sta'])).toEqual(['--staged']);
      // Options of `release start`, not of `release`: the path is followed past option values.
      expect(complete(shell, ['shardship', 'release', 'start', '--app', 'web', '--ima'])).toEqual(['--image']);
      expect(complete(shell, ['shardship', 'hooks', 'install', '--'])).toContain('--force');
    });
  }

  it('an unknown shell is a usage error', () => {
    const r = cli(['completion', 'fish']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('shardship completes bash and zsh');
  });
});

describe('NO_COLOR and FORCE_COLOR', () => {
  // One invocation per command that prints something it could colour (most: an error line
  // here, with no config or repository). lint-server and `hooks pre-receive` print plain text.
  const invocations: string[][] = [
    ['config', 'validate'],
    ['gate'],
    ['hooks', 'install'],
    ['hooks', 'pre-receive'],
    ['lint-server', 'status'],
    ['build'],
    ['migrate', 'plan', '--env', 'prod'],
    ['migrate', 'lint'],
    ['migrate', 'import-shardingsphere'],
    ['migrate', 'apply', '--env', 'prod'],
    ['migrate', 'status', '--env', 'prod'],
    ['migrate', 'verify', '--env', 'prod'],
    ['migrate', 'repair', '--env', 'prod'],
    ['migrate', 'undo', '1', '--env', 'prod'],
    ['backup', 'create', '--env', 'prod'],
    ['backup', 'list'],
    ['backup', 'verify', 'x'],
    ['backup', 'restore', 'x', '--env', 'prod'],
    ['backup', 'prune', '--keep', '3'],
    ['backup', 'snapshots', 'list', '--env', 'prod'],
    ['backup', 'snapshots', 'prune', '--keep', '3', '--env', 'prod'],
    ['env', 'up', 'pr-1'],
    ['env', 'down', 'pr-1'],
    ['env', 'list'],
    ['env', 'gc'],
    ['env', 'render-shards'],
    ['release', 'start', '--app', 'x', '--image', 'y'],
    ['release', 'status', '--app', 'x'],
    ['release', 'promote', '--app', 'x'],
    ['release', 'abort', '--app', 'x'],
    ['release', 'pause', '--app', 'x'],
    ['release', 'resume', '--app', 'x'],
    ['release', 'retry', '--app', 'x'],
    ['release', 'history', '--app', 'x'],
    ['release', 'watch', '--app', 'x'],
    ['run', '--event', 'push', '--payload', 'missing.json'],
    ['completion', 'fish'],
  ];
  const paints = (args: string[]) => !(args[0] === 'lint-server' || args[1] === 'pre-receive');

  it('each command: plain under NO_COLOR on a terminal, coloured under FORCE_COLOR in a pipe (and FORCE_COLOR wins over NO_COLOR)', () => {
    for (const args of invocations) {
      const name = args.join(' ');
      const plainTty = onTty(args, { cwd: empty, env: { NO_COLOR: '1' } });
      expect(plainTty.all.length, name).toBeGreaterThan(0);
      expect(plainTty.all, name).not.toContain(ESC);
      const forced = cli(args, { cwd: empty, env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
      if (paints(args)) expect(forced.all, name).toContain(`${ESC}31m`);
      else expect(forced.all, name).not.toContain(ESC);
    }
  }, 600_000);

  it('colours on a terminal by default, never in a pipe, and FORCE_COLOR=0 turns colour off', () => {
    expect(onTty(['gate'], { cwd: empty }).all).toContain(`${ESC}31merror`);
    expect(cli(['gate'], { cwd: empty }).all).not.toContain(ESC);
    expect(onTty(['gate'], { cwd: empty, env: { FORCE_COLOR: '0' } }).all).not.toContain(ESC);
    // An empty NO_COLOR does not count (no-color.org).
    expect(onTty(['gate'], { cwd: empty, env: { NO_COLOR: '' } }).all).toContain(`${ESC}31merror`);
  });

  it('the gate report itself follows the same switches', () => {
    const repo = TempRepo.create({ prefix: 'cli-color-gate' });
    try {
      repo.commit('chore: start');
      repo.commit('fixed stuff');
      const args = ['gate', '--from', 'HEAD~1', '--to', 'HEAD'];
      const forced = cli(args, { cwd: repo.dir, env: { FORCE_COLOR: '1' } });
      expect(forced.status).toBe(1);
      expect(forced.all).toContain(ESC);
      const plain = onTty(args, { cwd: repo.dir, env: { NO_COLOR: '1' } });
      expect(plain.all).toContain('type may not be empty');
      expect(plain.all).not.toContain(ESC);
    } finally {
      repo.remove();
    }
  });
});
