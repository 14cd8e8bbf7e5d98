// Real temporary git repositories for gate tests (no git mocks): every call is execFile('git').
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../../support/service.js';

export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
};

export class TempRepo {
  constructor(readonly dir: string) {}

  static create(opts: { bare?: boolean; prefix?: string } = {}): TempRepo {
    const repo = new TempRepo(tempDir(opts.prefix ?? 'gate'));
    repo.git('init', '-q', '-b', 'main', ...(opts.bare ? ['--bare'] : []));
    repo.git('config', 'user.name', 'Test Author');
    repo.git('config', 'user.email', 'author@example.com');
    repo.git('config', 'commit.gpgsign', 'false');
    return repo;
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: GIT_ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  }

  gitBuffer(args: string[], input?: Buffer | string, env: NodeJS.ProcessEnv = GIT_ENV): Buffer {
    return execFileSync('git', args, { cwd: this.dir, env, maxBuffer: 256 * 1024 * 1024, ...(input !== undefined ? { input } : {}) });
  }

  write(path: string, content: string | Buffer): void {
    const abs = join(this.dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }

  /** Write (or with null, delete) files, stage everything, commit; returns the new sha. */
  commit(message: string | Buffer, files: Record<string, string | Buffer | null> = {}, extra: string[] = []): string {
    for (const [path, content] of Object.entries(files)) {
      if (content === null) rmSync(join(this.dir, path), { force: true, recursive: true });
      else this.write(path, content);
    }
    this.git('add', '-A');
    const msgFile = join(this.dir, '.git', 'TEST_MSG');
    writeFileSync(msgFile, message);
    this.git('commit', '-q', '--allow-empty', '--no-verify', '-F', msgFile, ...extra);
    return this.head();
  }

  head(rev = 'HEAD'): string {
    return this.git('rev-parse', rev).trim();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
