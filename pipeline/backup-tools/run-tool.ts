// Runs a backup tool with the node's credentials in a private defaults file (mode 0600, in its
// own temp dir, removed afterwards): a password on argv would be visible in `ps` to every user.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError } from '../core/errors.js';
import type { NodeAccess } from '../backup/ports.js';

export interface ToolResult {
  stdout: string;
  stderr: string;
}

function ini(value: string): string {
  // Option files read a value up to the end of the line; quotes keep # and spaces.
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `[client]`-style groups for every tool name, so each reads its own group. */
export function defaultsFile(access: NodeAccess, groups: string[]): string {
  const body = [`host=${access.host}`, `port=${access.port}`, `user=${ini(access.user)}`, `password=${ini(access.password)}`].join('\n');
  return groups.map((g) => `[${g}]\n${body}\n`).join('\n');
}

export async function runTool(tool: string, args: string[], opts: { access?: NodeAccess; groups?: string[]; what: string; node: string }): Promise<ToolResult> {
  const dir = opts.access ? await mkdtemp(join(tmpdir(), 'shardship-tool-')) : undefined;
  try {
    const pre: string[] = [];
    if (dir && opts.access) {
      const file = join(dir, 'my.cnf');
      await writeFile(file, defaultsFile(opts.access, opts.groups ?? ['client', tool]), { mode: 0o600 });
      // --defaults-file must be the first option for the MariaDB tools.
      pre.push(`--defaults-file=${file}`);
    }
    return await new Promise<ToolResult>((resolve, reject) => {
      execFile(tool, [...pre, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const e = err as { code?: string | number };
        if (e.code === 'ENOENT') {
          return reject(new ServiceError(tool, `${tool} is not installed`, { hint: `apt-get install ${tool === 'myloader' ? 'mydumper' : tool} (scripts/install-services.sh)`, cause: err }));
        }
        const tail = lastLines(`${stderr}\n${stdout}`, 6);
        reject(new ServiceError(tool, `${opts.what} on ${opts.node} failed (exit ${String(e.code ?? '?')}): ${tail || err.message}`, { cause: err }));
      });
    });
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}
