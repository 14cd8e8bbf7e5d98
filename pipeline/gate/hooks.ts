// Git hook scripts that call shardship by absolute path (hooks run with a minimal PATH and
// from any directory): commit-msg, pre-commit, and the server-side pre-receive.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { GitRepo } from '../git/repo.js';

export const HOOK_MARK = '# installed by shardship';

export const SHARDSHIP_BIN = join(packageRoot(), 'bin', 'shardship.js');

/** Quote for POSIX sh: the only untrusted-looking text in a hook is a path. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function command(args: string, node: string, bin: string): string {
  return `exec ${shQuote(node)} ${shQuote(bin)} ${args}`;
}

export interface HookScripts {
  'commit-msg': string;
  'pre-commit': string;
}

export function clientHookScripts(node = process.execPath, bin = SHARDSHIP_BIN): HookScripts {
  return {
    'commit-msg': `#!/bin/sh\n${HOOK_MARK}: checks the commit message (shardship gate --commit-msg)\n${command('gate --commit-msg "$1"', node, bin)}\n`,
    'pre-commit': `#!/bin/sh\n${HOOK_MARK}: checks the staged changes (shardship gate --staged)\n${command('gate --staged', node, bin)}\n`,
  };
}

export function preReceiveHookScript(opts: { node?: string; bin?: string; config?: string } = {}): string {
  const config = opts.config ? ` --config ${shQuote(opts.config)}` : '';
  return [
    '#!/bin/sh',
    `${HOOK_MARK}: rejects pushes whose new commits fail the gate.`,
    '# Install on the server: shardship hooks pre-receive > <repo.git>/hooks/pre-receive && chmod +x <repo.git>/hooks/pre-receive',
    '# Reads "<old> <new> <ref>" lines on stdin; without --config it uses shardship.yaml from the repository HEAD.',
    command(`gate --pre-receive${config}`, opts.node ?? process.execPath, opts.bin ?? SHARDSHIP_BIN),
    '',
  ].join('\n');
}

export interface InstalledHook {
  name: string;
  path: string;
  replaced: boolean;
}

/** Write the client hooks into the repository's hooks folder (core.hooksPath honoured). */
export async function installClientHooks(repo: GitRepo, opts: { force?: boolean; scripts?: HookScripts } = {}): Promise<InstalledHook[]> {
  const dir = await repo.hooksDir();
  await mkdir(dir, { recursive: true });
  const scripts = opts.scripts ?? clientHookScripts();
  const plan: InstalledHook[] = [];
  for (const name of Object.keys(scripts) as (keyof HookScripts)[]) {
    const path = join(dir, name);
    const existing = await readFile(path, 'utf8').catch(() => undefined);
    if (existing !== undefined && !existing.includes(HOOK_MARK) && !opts.force) {
      throw new UsageError(`${path} already exists and was not installed by shardship`, {
        hint: 'merge it by hand, or pass --force to replace it',
      });
    }
    plan.push({ name, path, replaced: existing !== undefined });
  }
  for (const h of plan) {
    await writeFile(h.path, scripts[h.name as keyof HookScripts]);
    await chmod(h.path, 0o755);
  }
  return plan;
}
