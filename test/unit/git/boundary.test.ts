// Every git call goes through the git adapter (pipeline/git): it alone imports simple-git or
// starts a git process, so argument safety, the environment hooks need and error translation
// are decided in one place.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.split('/').includes('dist') && !f.split('/').includes('node_modules'))
    .map((f) => join(dir, f));
}

const SPAWNS_GIT = /\b(execFile|execFileSync|spawn|spawnSync|exec|execSync)\(\s*['"`]git\b/;
const IMPORTS_SIMPLE_GIT = /from\s+['"]simple-git['"]|import\(\s*['"]simple-git['"]\s*\)/;

describe('the git adapter is the only way to git', () => {
  const files = [...sources('pipeline'), ...sources('actions'), ...sources('rules')];

  it('finds the sources it checks', () => {
    expect(files).toContain(join('pipeline', 'git', 'repo.ts'));
    expect(files.length).toBeGreaterThan(50);
  });

  it('no module outside pipeline/git spawns git or imports simple-git', () => {
    const offenders = files
      .filter((f) => !f.startsWith(join('pipeline', 'git') + '/'))
      .filter((f) => {
        const text = readFileSync(join(ROOT, f), 'utf8');
        return SPAWNS_GIT.test(text) || IMPORTS_SIMPLE_GIT.test(text);
      })
      .map((f) => relative('.', f));
    expect(offenders).toEqual([]);
  });
});
