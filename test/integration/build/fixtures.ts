// Test repositories for build tests: real git repos in temp dirs whose images run the
// static busybox (nothing can be pulled here).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUSYBOX, ensureBusybox } from '../../support/docker.js';
import { tempDir } from '../../support/service.js';

export function git(dir: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim();
}

/** A committed repo with busybox, the given files and a shardship.yaml for `repository`. */
export function makeRepo(opts: { repository: string; files: Record<string, string>; yamlExtra?: string; tag?: string; withBusybox?: boolean }): string {
  const dir = tempDir('build-repo');
  git(dir, ['init', '-q', '-b', 'main']);
  if (opts.withBusybox !== false) {
    ensureBusybox();
    copyFileSync(BUSYBOX, join(dir, 'busybox'));
  }
  writeFileSync(join(dir, 'shardship.yaml'), `version: 1\nbuild:\n  repository: ${opts.repository}\n${opts.yamlExtra ?? ''}`);
  for (const [path, text] of Object.entries(opts.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'feat: initial']);
  if (opts.tag) git(dir, ['tag', opts.tag]);
  return dir;
}

/** Dockerfile lines that turn FROM scratch + busybox into a small shell image. */
export const BUSYBOX_BASE = ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]'];
