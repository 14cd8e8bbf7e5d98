// Git hook scripts that call shardship by absolute path (hooks run with a minimal PATH and
// from any directory): commit-msg, pre-commit, and the server-side pre-receive.
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectManagers, huskyHook, lefthookConfig, MANAGED_HOOKS, managerNextStep, preCommitConfig, type HookManager, type ManagedHook, type ManagerEdit } from './hook-managers.js';
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

/** A hook manager's file shardship added itself to. */
export interface ManagedChange {
  manager: HookManager;
  file: string;
  change: 'added' | 'updated' | 'unchanged';
  /** What still has to happen for git to run it, when anything does. */
  next: string;
}

export interface HooksInstallResult {
  /** Hook scripts written into the hooks folder: only when no hook manager is in use. */
  installed: InstalledHook[];
  managed: ManagedChange[];
}

/**
 * Add shardship to the repository's hook manager(s) (husky, lefthook, pre-commit) when it has
 * any, leaving core.hooksPath to them; else write the hooks into the hooks folder.
 */
export async function installHooks(repo: GitRepo, opts: { force?: boolean; scripts?: HookScripts } = {}): Promise<HooksInstallResult> {
  const root = await repo.topLevel();
  const managers = detectManagers(new Set(await readdir(root)));
  if (!managers.length) return { installed: await installClientHooks(repo, opts), managed: [] };
  const edits: ManagerEdit[] = [];
  const read = (file: string) => readFile(join(root, file), 'utf8').catch(() => undefined);
  for (const { manager, file } of managers) {
    if (manager === 'husky') {
      for (const hook of Object.keys(MANAGED_HOOKS) as ManagedHook[]) {
        const before = await read(`.husky/${hook}`);
        edits.push({ manager, file: `.husky/${hook}`, before, after: huskyHook(hook, before) });
      }
      continue;
    }
    const before = (await read(file)) ?? '';
    try {
      edits.push({ manager, file, before, after: manager === 'lefthook' ? lefthookConfig(before) : preCommitConfig(before) });
    } catch (e) {
      throw new UsageError(`${file} is not valid YAML: ${(e as Error).message}`, { hint: `fix ${file}, then run shardship hooks install again` });
    }
  }
  for (const e of edits) if (e.after !== e.before) await writeFile(join(root, e.file), e.after);
  return {
    installed: [],
    managed: edits.map((e) => ({
      manager: e.manager,
      file: e.file,
      change: e.before === e.after ? 'unchanged' : e.before === undefined || !/shardship/.test(e.before) ? 'added' : 'updated',
      next: managerNextStep(e.manager),
    })),
  };
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
