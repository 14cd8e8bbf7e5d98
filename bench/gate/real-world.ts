// A real-world-shaped repository for the code gate: feature folders with barrels (`index.ts`
// re-exporting), namespace imports and shared utilities, linted with eslint-plugin-import's
// cross-file rules (import/namespace, import/no-unresolved, import/named, import/no-cycle)
// on top of @eslint/js + typescript-eslint. One commit changes a few files in several features.
// Contenders: `shardship gate` cold (no cache), warm (cache), with the lint server, against
// `eslint <the changed files>` cold (no cache) and warm (--cache, filled).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, codeOnlyConfig, timeCommand, type Timing } from './eslint.js';

const ESLINT_CONFIG = `// A typical service config: recommended sets plus eslint-plugin-import's cross-file rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

export default [
  { ignores: ['eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  importPlugin.flatConfigs.recommended,
  importPlugin.flatConfigs.typescript,
  {
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: { 'import/no-cycle': 'error', 'import/no-duplicates': 'error', 'import/no-unresolved': 'error', 'import/namespace': 'error', 'import/named': 'error' },
  },
];
`;

/** Files per feature folder: model, service, repository, handlers, util and the barrel. */
const PER_FEATURE = 6;

function feature(f: number): string {
  return `src/features/f${f}`;
}

/** The sources of one feature; it uses the shared lib and the barrel of the feature before it. */
export function featureFiles(f: number, edited = false): Record<string, string> {
  const dir = feature(f);
  const prev = f > 0 ? `../f${f - 1}` : undefined;
  const bump = edited ? ' + 1' : '';
  return {
    [`${dir}/model.ts`]: [
      `export interface Item${f} {`,
      '  id: string;',
      '  amount: number;',
      '  tags: readonly string[];',
      '}',
      '',
      `export type Status${f} = 'open' | 'closed';`,
      '',
      `export const LIMIT_${f} = ${100 + (f % 13)}${bump};`,
      '',
    ].join('\n'),
    [`${dir}/util.ts`]: [
      `import type { Item${f} } from './model';`,
      '',
      `export function weight${f}(item: Item${f}): number {`,
      '  return item.tags.length * 2 + item.amount;',
      '}',
      '',
      `export function label${f}(item: Item${f}): string {`,
      '  return `${item.id}:${item.amount}`;',
      '}',
      '',
    ].join('\n'),
    [`${dir}/repository.ts`]: [
      `import type { Item${f} } from './model';`,
      '',
      `export class Repository${f} {`,
      `  private readonly items = new Map<string, Item${f}>();`,
      '',
      `  save(item: Item${f}): void {`,
      '    this.items.set(item.id, item);',
      '  }',
      '',
      `  all(): Item${f}[] {`,
      '    return [...this.items.values()];',
      '  }',
      '}',
      '',
    ].join('\n'),
    [`${dir}/service.ts`]: [
      `import { LIMIT_${f}, type Item${f}, type Status${f} } from './model';`,
      `import { Repository${f} } from './repository';`,
      `import * as util from './util';`,
      `import { clamp, sum } from '../../lib/math';`,
      ...(prev ? [`import { Service${f - 1} } from '${prev}';`] : []),
      '',
      `export class Service${f} {`,
      `  constructor(private readonly repo = new Repository${f}()${prev ? `, private readonly upstream = new Service${f - 1}()` : ''}) {}`,
      '',
      `  status(item: Item${f}): Status${f} {`,
      `    return util.weight${f}(item) > LIMIT_${f} ? 'closed' : 'open';`,
      '  }',
      '',
      '  total(): number {',
      `    return clamp(sum(this.repo.all().map((i) => util.weight${f}(i)))${prev ? ' + this.upstream.total()' : ''}, 0, 1e9);`,
      '  }',
      '}',
      '',
    ].join('\n'),
    [`${dir}/handlers.ts`]: [
      `import { Service${f} } from './service';`,
      `import * as util from './util';`,
      `import type { Item${f} } from './model';`,
      '',
      `const service = new Service${f}();`,
      '',
      `export function describe${f}(item: Item${f}): string {`,
      `  return \`\${util.label${f}(item)} is \${service.status(item)}\`;`,
      '}',
      '',
    ].join('\n'),
    [`${dir}/index.ts`]: [`export * from './model';`, `export { Service${f} } from './service';`, `export { describe${f} } from './handlers';`, ''].join('\n'),
  };
}

const LIB = {
  'src/lib/math.ts': ['export function sum(xs: readonly number[]): number {', '  return xs.reduce((a, b) => a + b, 0);', '}', '', 'export function clamp(x: number, lo: number, hi: number): number {', '  return Math.min(hi, Math.max(lo, x));', '}', ''].join('\n'),
};

export interface RealWorldRepo {
  dir: string;
  changed: string[];
  remove(): void;
}

export async function generateRealWorldRepo(opts: { files: number; changedFeatures: number }): Promise<RealWorldRepo> {
  const { allRules } = await import('../../rules/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'shardship-bench-real-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  for (const pkg of ['eslint', 'typescript-eslint', '@eslint', 'eslint-plugin-import', '@typescript-eslint']) symlinkSync(join(ROOT, 'node_modules', pkg), join(dir, 'node_modules', pkg));
  symlinkSync('../eslint/bin/eslint.js', join(dir, 'node_modules', '.bin', 'eslint'));
  write('package.json', JSON.stringify({ name: 'bench-real-world', private: true, type: 'module' }, null, 2) + '\n');
  write('.gitignore', 'node_modules/\n.eslintcache\n');
  write('eslint.config.js', ESLINT_CONFIG);
  write('shardship.yaml', codeOnlyConfig(allRules));
  for (const [p, t] of Object.entries(LIB)) write(p, t);
  const features = Math.max(2, Math.ceil(opts.files / PER_FEATURE));
  for (let f = 0; f < features; f++) for (const [p, t] of Object.entries(featureFiles(f))) write(p, t);
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'bench@example.com');
  git('config', 'user.name', 'Bench');
  git('config', 'commit.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '-m', 'feat: initial service');
  // The commit edits the model of features spread over the repo: their importers' cross-file
  // verdicts (import/named, import/namespace) depend on those files.
  const changed: string[] = [];
  const step = Math.max(1, Math.floor(features / opts.changedFeatures));
  for (let i = 0; i < opts.changedFeatures; i++) {
    const f = Math.min(features - 1, i * step);
    const edited = featureFiles(f, true);
    const model = `${feature(f)}/model.ts`;
    write(model, edited[model]!);
    changed.push(model);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'feat: raise limits');
  return { dir, changed, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RealWorldResult {
  files: number;
  changed: number;
  gateCold: Timing;
  gateWarm: Timing;
  gateServed: Timing;
  eslintCold: Timing;
  eslintWarm: Timing;
}

export async function benchRealWorld(opts: { files: number; changedFeatures: number; runs: number; keep?: boolean }): Promise<RealWorldResult> {
  const repo = await generateRealWorldRepo(opts);
  const serverDir = mkdtempSync(join(tmpdir(), 'shardship-bench-lint-server-'));
  const env = { ...process.env, NO_COLOR: '1', CI: '1', SHARDSHIP_LINT_SERVER_DIR: serverDir };
  const cache = join(repo.dir, 'node_modules', '.cache', 'shardship');
  const bin = join(ROOT, 'bin', 'shardship.js');
  const gateArgs = [bin, 'gate', '--from', 'HEAD~1', '--to', 'HEAD'];
  const lintServer = (...args: string[]) => spawnSync(process.execPath, [bin, 'lint-server', ...args, '--json'], { cwd: repo.dir, env, encoding: 'utf8' });
  try {
    const gateCold = timeCommand('shardship gate (cold: no cache)', process.execPath, gateArgs, { cwd: repo.dir, runs: opts.runs, env, before: () => rmSync(cache, { recursive: true, force: true }) });
    const gateWarm = timeCommand('shardship gate (warm cache)', process.execPath, gateArgs, { cwd: repo.dir, runs: opts.runs, env });
    const started = lintServer('start');
    if (started.status !== 0) throw new Error(`lint-server start failed: ${started.stderr}`);
    let gateServed: Timing;
    try {
      gateServed = timeCommand('shardship gate (lint server running)', process.execPath, gateArgs, { cwd: repo.dir, runs: opts.runs, env });
    } finally {
      lintServer('stop');
    }
    const eslintCold = timeCommand(`npx eslint <the ${repo.changed.length} changed files> (no cache)`, 'npx', ['--no', 'eslint', ...repo.changed], { cwd: repo.dir, runs: opts.runs, env });
    const eslintWarm = timeCommand(`npx eslint --cache <the ${repo.changed.length} changed files>`, 'npx', ['--no', 'eslint', '--cache', ...repo.changed], { cwd: repo.dir, runs: opts.runs, env });
    const files = Number(execFileSync('git', ['ls-files'], { cwd: repo.dir, encoding: 'utf8' }).trim().split('\n').length);
    return { files, changed: repo.changed.length, gateCold, gateWarm, gateServed, eslintCold, eslintWarm };
  } finally {
    rmSync(serverDir, { recursive: true, force: true });
    if (opts.keep) process.stderr.write(`bench repo kept at ${repo.dir}\n`);
    else repo.remove();
  }
}
