// Test helper: real temp git repos, and a GateSubject built from them with plain `git diff`
// (so these tests do not depend on the gate's own collector).
import { afterEach } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddedLine, ChangedFile, ChangeStatus, GateSubject } from '../../../pipeline/gate/types.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import type { RuleContext, RuleFinding } from '../../../pipeline/gate/types.js';
import { eslintRule } from '../../../rules/code/eslint.js';
import { preReceiveHookScript } from '../../../pipeline/gate/hooks.js';
import { GIT_ENV, TempRepo as HookRepo } from '../../unit/gate/git-fixture.js';

export function git(repoDir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repoDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

export interface TempRepo {
  dir: string;
  write(files: Record<string, string>): void;
  commit(message: string): string;
  remove(): void;
}

export function tempRepo(prefix = 'shardship-code-'): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'dev@example.com');
  git(dir, 'config', 'user.name', 'Dev');
  git(dir, 'config', 'commit.gpgsign', 'false');
  return {
    dir,
    write(files) {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
    },
    commit(message) {
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '--allow-empty', '-m', message);
      return git(dir, 'rev-parse', 'HEAD').trim();
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const STATUS: Record<string, ChangeStatus> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' };

/** Parse `git diff --unified=0` output into added lines per new-side path. */
export function addedLinesByFile(patch: string): Map<string, AddedLine[]> {
  const out = new Map<string, AddedLine[]>();
  let current: AddedLine[] | undefined;
  let next = 0;
  let inHunk = false;
  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ')) {
      inHunk = false;
      current = undefined;
    } else if (!inHunk && line.startsWith('+++ ')) {
      const path = line.slice(4);
      current = path === '/dev/null' ? undefined : [];
      if (current) out.set(path.replace(/^b\//, ''), current);
    } else if (line.startsWith('@@')) {
      const m = /\+(\d+)(?:,\d+)? @@/.exec(line);
      next = Number(m?.[1] ?? 0);
      inHunk = true;
    } else if (inHunk && line.startsWith('+')) {
      current?.push({ line: next++, text: line.slice(1) });
    }
  }
  return out;
}

/** The net change base..head (or the index when head is 'STAGED'), read with plain git. */
/** `head` is a rev, or 'STAGED' for the index. */
export function subjectFor(repoDir: string, base: string, head: string): GateSubject {
  const range = head === 'STAGED' ? ['--cached', base] : [base, head];
  const nameStatus = git(repoDir, 'diff', '-M', '--name-status', ...range).trim();
  const added = addedLinesByFile(git(repoDir, 'diff', '-M', '--unified=0', '--no-color', ...range));
  const net: ChangedFile[] = nameStatus
    ? nameStatus.split('\n').map((row) => {
        const [code = '', a = '', b] = row.split('\t');
        const path = b ?? a;
        return {
          path,
          ...(b ? { oldPath: a } : {}),
          status: STATUS[code[0] ?? 'M'] ?? 'modified',
          binary: false,
          submodule: false,
          addedLines: added.get(path) ?? [],
        };
      })
    : [];
  const spec = (path: string) => (head === 'STAGED' ? `:${path}` : `${head}:${path}`);
  return {
    repoDir,
    commits: [],
    net,
    base,
    head,
    readAtHead(path) {
      try {
        return Promise.resolve(execFileSync('git', ['show', spec(path)], { cwd: repoDir, stdio: ['ignore', 'pipe', 'ignore'] }));
      } catch {
        return Promise.resolve(undefined);
      }
    },
    listAtBase(dir) {
      return Promise.resolve(git(repoDir, 'ls-tree', '-r', '--name-only', base, '--', dir).split('\n').filter(Boolean));
    },
  };
}

export function ruleContext(subject: GateSubject, opts: { allLines?: boolean; options?: Record<string, unknown> } = {}): RuleContext {
  const config = ShardshipConfig.parse({ version: 1 });
  return { subject, config, gate: config.gate, options: opts.options ?? {}, allLines: opts.allLines ?? false };
}

/** A factory of temp repos for one test file; each is removed after its test. */
export function useTempRepos(prefix?: string): () => TempRepo {
  const repos: TempRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.remove();
  });
  return () => {
    const r = tempRepo(prefix);
    repos.push(r);
    return r;
  };
}

/** code/eslint on base..head of a temp repo (head may be 'STAGED'). */
export async function checkRange(r: TempRepo, opts: Parameters<typeof ruleContext>[1] = {}, base = 'HEAD~1', head = 'HEAD'): Promise<RuleFinding[]> {
  const rev = (x: string) => git(r.dir, 'rev-parse', x).trim();
  return eslintRule.check(ruleContext(subjectFor(r.dir, rev(base), head === 'STAGED' ? head : rev(head)), opts));
}

export interface HookedServer {
  /** A bare repository with shardship's generated pre-receive hook. */
  server: HookRepo;
  /** A work repository whose `origin` is the server. */
  client: HookRepo;
  /** `git push origin ...args` from the client: exit status and everything git printed. */
  push: (...args: string[]) => { status: number | null; output: string };
  remove: () => void;
}

/** A real bare server with the pre-receive hook installed (optionally with a server-owned config), and a client. */
export function hookedServer(opts: { config?: string; prefix?: string } = {}): HookedServer {
  const server = HookRepo.create({ bare: true, prefix: `${opts.prefix ?? 'code'}-server` });
  const hook = join(server.dir, 'hooks', 'pre-receive');
  writeFileSync(hook, preReceiveHookScript(opts.config ? { config: opts.config } : {}));
  chmodSync(hook, 0o755);
  const client = HookRepo.create({ prefix: `${opts.prefix ?? 'code'}-client` });
  client.git('remote', 'add', 'origin', server.dir);
  return {
    server,
    client,
    push: (...args) => {
      const r = spawnSync('git', ['push', 'origin', ...args], { cwd: client.dir, env: GIT_ENV, encoding: 'utf8' });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    },
    remove: () => {
      server.remove();
      client.remove();
    },
  };
}
