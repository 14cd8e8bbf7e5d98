// `shardship --help` (and an unknown command) registers every command to list them: the command
// modules must not load their stages' vendor clients at registration, or the help pays for all
// of them. A module hook records every file the CLI process resolves or requires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { removeDir, tempDir } from '../../support/service.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'shardship.js');
const HEAVY = /\/node_modules\/(simple-git|dockerode|mysql2|@kubernetes\/client-node|node-sql-parser|eslint|typescript|@commitlint\/[^/]+|@secretlint\/[^/]+)\//;
const COMMANDS = ['config', 'gate', 'hooks', 'lint-server', 'build', 'migrate', 'release', 'run'];

let dir: string;
beforeAll(() => {
  dir = tempDir('help-startup');
  // ESM imports go through the resolve hook (in the loader thread); CommonJS requires, including
  // those inside packages an import loaded, end up in require.cache, read at exit.
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + '\\n');
  return r;
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.SHARDSHIP_TEST_LOAD_LOG;
register('./hooks.mjs', import.meta.url, { data: { log } });
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(log, Object.keys(cache).join('\\n') + '\\n'));
`,
  );
});
afterAll(() => removeDir(dir));

/** Runs the CLI and returns its output and every module file it loaded. */
function cli(args: string[], name: string): Promise<{ code: number | null; stdout: string; stderr: string; loaded: string[] }> {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', SHARDSHIP_TEST_LOAD_LOG: log },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) }));
  });
}

function heavy(loaded: string[]): string[] {
  return [...new Set(loaded.map((f) => decodeURIComponent(f).match(HEAVY)?.[1]).filter((p): p is string => p !== undefined))].sort();
}

describe('shardship start-up without a command', () => {
  it('--help lists every command without loading any heavy vendor package', async () => {
    const r = await cli(['--help'], 'help');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The hook does see packages: commander builds the help.
    expect(r.loaded.some((f) => f.includes('/node_modules/commander/'))).toBe(true);
    expect(heavy(r.loaded)).toEqual([]);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('an unknown command fails as a usage error without loading any heavy vendor package', async () => {
    const r = await cli(['no-such-command'], 'unknown');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'no-such-command'");
    expect(r.loaded.some((f) => f.includes('/node_modules/commander/'))).toBe(true);
    expect(heavy(r.loaded)).toEqual([]);
  });
});
