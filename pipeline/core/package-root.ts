// shardship's own install folder. Modules run from the sources (pipeline/x/y.ts), from the CLI
// bundle (dist/cli/*.js) and from action bundles (actions/<step>/dist/index.js), each at a
// different depth, so walk up to our package.json instead of counting `..`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const found = new Map<string, string>();

/** The folder holding shardship's package.json, found upward from this module's own file. */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  const hit = found.get(start);
  if (hit) return hit;
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && isShardship(pkg)) {
      found.set(start, dir);
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`shardship's package.json not found above ${start}`);
  }
}

function isShardship(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'shardship';
  } catch {
    return false;
  }
}

let version: string | undefined;

/** shardship's own version, from its package.json. */
export function shardshipVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
