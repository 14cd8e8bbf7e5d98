// The code-gate benchmark: a generated repo of small TypeScript modules importing each
// other, one commit changing a few of them, and three contenders with the same ESLint config
// (the repo's eslint.config.js: @eslint/js + typescript-eslint recommended, untyped):
// `shardship gate` on that commit, `npx eslint <the changed files>`, `npx eslint .`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GateRule } from '../../pipeline/gate/types.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BenchRepo {
  dir: string;
  changed: string[];
  remove(): void;
}

function modulePath(k: number): string {
  return `src/d${Math.floor(k / 50)}/m${k}.ts`;
}

function importPath(from: number, to: number): string {
  const [a, b] = [Math.floor(from / 50), Math.floor(to / 50)];
  return a === b ? `./m${to}.js` : `../d${b}/m${to}.js`;
}

/** One realistic small module: types, functions and a class, using two earlier modules. */
export function moduleSource(k: number): string {
  const deps = [k - 1, k - 7].filter((d) => d >= 0);
  const lines: string[] = [];
  const [parent, other] = deps;
  if (parent !== undefined) lines.push(`import { scoreM${parent}, type M${parent}Record } from '${importPath(k, parent)}';`);
  if (other !== undefined) lines.push(`import { scoreM${other} } from '${importPath(k, other)}';`);
  if (deps.length) lines.push('');
  lines.push(
    `/** A record of kind ${k}. */`,
    `export interface M${k}Record {`,
    '  id: string;',
    '  amount: number;',
    '  tags: readonly string[];',
    parent !== undefined ? `  parent?: M${parent}Record;` : '  parent?: undefined;',
    '}',
    '',
    `export type M${k}Status = 'open' | 'closed' | 'pending';`,
    '',
    `const LIMIT = ${100 + (k % 17)};`,
    '',
    `export function scoreM${k}(r: M${k}Record): number {`,
    '  const base = r.tags.length * 3 + r.amount / LIMIT;',
    parent !== undefined ? `  const parent = r.parent ? scoreM${parent}(r.parent) : 0;` : '  const parent = 0;',
    other !== undefined ? `  const other = scoreM${other}({ id: r.id, amount: r.amount, tags: r.tags });` : '  const other = 0;',
    '  return Math.round((base + parent + other) * 100) / 100;',
    '}',
    '',
    `export function statusOfM${k}(r: M${k}Record): M${k}Status {`,
    "  if (r.amount <= 0) return 'closed';",
    "  return r.tags.includes('hold') ? 'pending' : 'open';",
    '}',
    '',
    `export class M${k}Store {`,
    `  private readonly items = new Map<string, M${k}Record>();`,
    '',
    `  add(r: M${k}Record): void {`,
    '    this.items.set(r.id, r);',
    '  }',
    '',
    '  total(): number {',
    '    let sum = 0;',
    `    for (const r of this.items.values()) sum += scoreM${k}(r);`,
    '    return sum;',
    '  }',
    '',
    `  byStatus(status: M${k}Status): M${k}Record[] {`,
    `    return [...this.items.values()].filter((r) => statusOfM${k}(r) === status);`,
    '  }',
    '}',
    '',
  );
  return lines.join('\n');
}

/** The change the benchmark commit makes to one module: a new function and an edited line. */
export function changedSource(k: number): string {
  return (
    moduleSource(k).replace('  const base = r.tags.length * 3', '  const base = r.tags.length * 4') +
    [
      '',
      `export function describeM${k}(r: M${k}Record): string {`,
      `  return \`\${r.id}: \${statusOfM${k}(r)} (\${scoreM${k}(r).toFixed(2)})\`;`,
      '}',
      '',
    ].join('\n')
  );
}

const ESLINT_CONFIG = `// Same config for every contender: ESLint + typescript-eslint recommended (untyped).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default [js.configs.recommended, ...tseslint.configs.recommended];
`;

/** shardship.yaml turning off every rule but code/eslint, to compare like with like. */
export function codeOnlyConfig(allRules: readonly GateRule[]): string {
  const off = allRules.filter((r) => r.id !== 'code/eslint').map((r) => `    ${r.id}: off`);
  return ['version: 1', 'gate:', '  rules:', '    code/eslint: error', ...off, ''].join('\n');
}

function git(dir: string, ...args: string[]): void {
  execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
}

export async function generateRepo(opts: { files: number; changed: number }): Promise<BenchRepo> {
  const { allRules } = await import('../../rules/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'shardship-bench-gate-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  // node_modules: links to this project's ESLint packages, so `npx eslint` runs the same ESLint
  // (and never downloads) and shardship's cache lands in node_modules/.cache like in a real repo.
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  for (const pkg of ['eslint', 'typescript-eslint', '@eslint']) symlinkSync(join(ROOT, 'node_modules', pkg), join(dir, 'node_modules', pkg));
  symlinkSync('../eslint/bin/eslint.js', join(dir, 'node_modules', '.bin', 'eslint'));

  write('package.json', JSON.stringify({ name: 'bench-service', private: true, type: 'module' }, null, 2) + '\n');
  write('.gitignore', 'node_modules/\n');
  write('eslint.config.js', ESLINT_CONFIG);
  write('shardship.yaml', codeOnlyConfig(allRules));
  for (let k = 0; k < opts.files; k++) write(modulePath(k), moduleSource(k));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'bench@example.com');
  git(dir, 'config', 'user.name', 'Bench');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'feat: initial service');

  const step = Math.max(1, Math.floor(opts.files / opts.changed));
  const changed: string[] = [];
  for (let i = 0; i < opts.changed; i++) {
    const k = Math.min(opts.files - 1, i * step + (step >> 1));
    write(modulePath(k), changedSource(k));
    changed.push(modulePath(k));
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'feat: describe records');
  return { dir, changed, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Timing {
  name: string;
  command: string;
  medianMs: number;
  runsMs: number[];
  /** Median CPU time (user + sys) of the command, when GNU time is available: steadier than wall time on a busy machine. */
  medianCpuMs?: number;
  exitCodes: number[];
  note?: string;
}

const GNU_TIME = '/usr/bin/time';

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** One warm-up run, then the median of `runs` timed runs. */
export function timeCommand(
  name: string,
  cmd: string,
  args: string[],
  opts: { cwd: string; runs: number; before?: () => void; note?: string; env?: NodeJS.ProcessEnv },
): Timing {
  const cpuFile = join(tmpdir(), `shardship-bench-cpu-${process.pid}`);
  const withCpu = existsSync(GNU_TIME);
  const once = () => {
    opts.before?.();
    const [bin, argv] = withCpu ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args]] : [cmd, args];
    const started = process.hrtime.bigint();
    const r = spawnSync(bin, argv, { cwd: opts.cwd, encoding: 'utf8', env: opts.env ?? process.env, maxBuffer: 256 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status === null || r.status > 1) {
      throw new Error(`${name} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).slice(0, 2000)}`);
    }
    const cpu = withCpu ? readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : [];
    return { ms, cpuMs: cpu.length === 2 ? ((cpu[0] ?? 0) + (cpu[1] ?? 0)) * 1000 : undefined, code: r.status };
  };
  once();
  const runs = Array.from({ length: opts.runs }, once);
  rmSync(cpuFile, { force: true });
  const cpu = runs.map((r) => r.cpuMs).filter((x): x is number => x !== undefined);
  return {
    name,
    command: [cmd === process.execPath ? 'node' : cmd, ...args.map((a) => a.replace(ROOT + '/', ''))].join(' '),
    medianMs: median(runs.map((r) => r.ms)),
    runsMs: runs.map((r) => r.ms),
    ...(cpu.length === runs.length ? { medianCpuMs: median(cpu) } : {}),
    exitCodes: runs.map((r) => r.code),
    ...(opts.note ? { note: opts.note } : {}),
  };
}

export interface EslintBenchResult {
  files: number;
  changed: number;
  shardship: Timing;
  shardshipCold: Timing;
  /** The gate with its resident lint server running (`shardship lint-server start`), as hooks run it. */
  shardshipServed: Timing;
  /** The gate command's start-up alone (`shardship gate --help`): what every gate run pays before any work. */
  shardshipStartup: Timing;
  /** The gate's collect + code/eslint path without CLI start-up (run.ts --engine-only). */
  engineOnly: Timing;
  eslintChanged: Timing;
  eslintAll: Timing;
}

export async function benchEslint(opts: { files: number; changed: number; runs: number; keep?: boolean }): Promise<EslintBenchResult> {
  const repo = await generateRepo(opts);
  // A socket folder of its own: no lint server the machine happens to run is used by mistake.
  const serverDir = mkdtempSync(join(tmpdir(), 'shardship-bench-lint-server-'));
  const env = { ...process.env, NO_COLOR: '1', CI: '1', SHARDSHIP_LINT_SERVER_DIR: serverDir };
  const cache = join(repo.dir, 'node_modules', '.cache', 'shardship');
  const lintServer = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'shardship.js'), 'lint-server', ...args, '--json'], { cwd: repo.dir, env, encoding: 'utf8' });
  const shardshipArgs = [join(ROOT, 'bin', 'shardship.js'), 'gate', '--from', 'HEAD~1', '--to', 'HEAD'];
  try {
    const shardship = timeCommand('shardship gate (warm ESLint cache)', process.execPath, shardshipArgs, { cwd: repo.dir, runs: opts.runs, env });
    const shardshipCold = timeCommand('shardship gate (cold ESLint cache)', process.execPath, shardshipArgs, {
      cwd: repo.dir,
      runs: opts.runs,
      env,
      before: () => rmSync(cache, { recursive: true, force: true }),
    });
    const started = lintServer('start');
    if (started.status !== 0) throw new Error(`lint-server start failed: ${started.stderr}`);
    let shardshipServed: Timing;
    try {
      shardshipServed = timeCommand('shardship gate (lint server running)', process.execPath, shardshipArgs, { cwd: repo.dir, runs: opts.runs, env });
      // Every timed run must have been answered by the server, or the figure is the in-process one.
      const served = (JSON.parse(lintServer('status').stdout) as { status?: { served: number } }).status?.served ?? 0;
      if (served !== opts.runs + 1) throw new Error(`the lint server answered ${served} of ${opts.runs + 1} gate runs`);
    } finally {
      lintServer('stop');
    }
    const shardshipStartup = timeCommand('shardship gate --help (start-up only)', process.execPath, [join(ROOT, 'bin', 'shardship.js'), 'gate', '--help'], { cwd: repo.dir, runs: opts.runs, env });
    const engineOnly = timeCommand(
      'gate engine only (collect + code/eslint, no CLI start-up)',
      process.execPath,
      ['--import', join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs'), join(ROOT, 'bench', 'gate', 'run.ts'), '--engine-only'],
      { cwd: repo.dir, runs: opts.runs, env },
    );
    const eslintChanged = timeCommand(`npx eslint <the ${opts.changed} files>`, 'npx', ['--no', 'eslint', ...repo.changed], { cwd: repo.dir, runs: opts.runs, env });
    const eslintAll = timeCommand('npx eslint .', 'npx', ['--no', 'eslint', '.'], { cwd: repo.dir, runs: opts.runs, env });
    // The cache must have been used for real, or the warm figure means nothing.
    if (!readFileSync(join(cache, 'eslintcache'), 'utf8').includes(repo.changed[0] ?? '')) throw new Error('shardship did not write its ESLint cache');
    return { files: opts.files, changed: opts.changed, shardship, shardshipCold, shardshipServed, shardshipStartup, engineOnly, eslintChanged, eslintAll };
  } finally {
    rmSync(serverDir, { recursive: true, force: true });
    if (opts.keep) process.stderr.write(`bench repo kept at ${repo.dir}\n`);
    else repo.remove();
  }
}
