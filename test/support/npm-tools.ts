// Tools the tests drive that npm ships (husky, lefthook, a Node 24 binary, action-validator),
// installed from the npm registry at pinned versions into a cache outside the repository
// (~/.cache/shardship/npm/), once per machine. Install scripts stay off: lefthook's would
// install hooks into whatever repository encloses the cache.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const NPM_TOOLS_DIR = process.env.SHARDSHIP_TOOLS_CACHE ? join(process.env.SHARDSHIP_TOOLS_CACHE, 'npm') : join(homedir(), '.cache', 'shardship', 'npm');

/** The folder whose node_modules holds exactly `specs` (e.g. ['husky@9.1.7']), installed on first use. */
export function npmTools(specs: string[]): string {
  for (const s of specs) if (!/^(@[\w.-]+\/)?[\w.-]+@\d+\.\d+\.\d+$/.test(s)) throw new Error(`pin an exact version: ${s}`);
  const dir = join(NPM_TOOLS_DIR, specs.map((s) => s.replace(/[/@]/g, '_')).join('+'));
  if (existsSync(join(dir, '.complete'))) return dir;
  mkdirSync(NPM_TOOLS_DIR, { recursive: true });
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'package.json'), '{ "private": true }\n');
  execFileSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(join(tmp, '.complete'), specs.join('\n') + '\n');
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another test process finished the same install first: use its copy.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, '.complete'))) throw e;
  }
  return dir;
}

/** `name`'s executable from the tools folder (node_modules/.bin). */
export function npmBin(dir: string, name: string): string {
  const bin = join(dir, 'node_modules', '.bin', name);
  if (!existsSync(bin)) throw new Error(`${bin} is missing: the npm package did not install its ${name} binary`);
  return bin;
}
