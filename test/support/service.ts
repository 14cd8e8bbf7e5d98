// Shared plumbing for starting real services in tests and the demo: free loopback ports,
// temp folders, Debian packages installed on demand (when root), and child processes
// that are waited for until ready and always stopped.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `shardship-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function onPath(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Make sure `binary` exists, installing Debian `pkgs` when root. Fails loudly otherwise:
 * a test that needs a service must not silently skip.
 */
export function ensureBinary(binary: string, pkgs: string[]): string {
  if (onPath(binary)) return binary;
  if (process.getuid?.() !== 0) {
    throw new Error(`${binary} is not installed and this is not root: run \`apt-get install ${pkgs.join(' ')}\``);
  }
  execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkgs.join(' ')}`], {
    stdio: 'inherit',
  });
  if (!onPath(binary)) throw new Error(`installed ${pkgs.join(' ')} but ${binary} is still missing`);
  return binary;
}

export interface RunningService {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  logTail(lines?: number): string;
}

/** Spawn a long-running process with its output in a log file, and wait until `ready()` says so. */
export async function startService(opts: {
  name: string;
  command: string;
  args: string[];
  logDir: string;
  env?: NodeJS.ProcessEnv;
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}): Promise<RunningService> {
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(opts.command, opts.args, { stdio: ['ignore', fd, fd], env: opts.env ?? process.env, detached: false });
  closeSync(fd);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  const logTail = (n = 30) => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-n).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
      }, 15_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill(signal);
    });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`${opts.name} exited with ${exited} before it was ready:\n${logTail()}`);
    if (await opts.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`${opts.name} was not ready within ${(opts.timeoutMs ?? 60_000) / 1000}s:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name: opts.name, child, logFile, stop, logTail };
}

export async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}
