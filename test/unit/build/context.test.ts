import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { createContextArchive, digestContext, listContext } from '../../../pipeline/build/context.js';
import { removeDir, tempDir } from '../../support/service.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();

function tree(files: Record<string, string>): string {
  const d = tempDir('ctx');
  dirs.push(d);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(d, p, '..'), { recursive: true });
    writeFileSync(join(d, p), text);
  }
  return d;
}

async function entries(dir: string, dockerfile = 'Dockerfile') {
  const archive = createContextArchive(dir, { dockerfile, mtime: 1_700_000_000 });
  const ex = extract();
  const seen: { name: string; mode: number; uid: number; gid: number; mtime: number; type: string }[] = [];
  ex.on('entry', (h, stream, next) => {
    seen.push({ name: h.name, mode: h.mode ?? 0, uid: h.uid ?? -1, gid: h.gid ?? -1, mtime: (h.mtime?.getTime() ?? 0) / 1000, type: h.type ?? '' });
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise((r) => ex.on('finish', r));
  archive.stream.pipe(ex);
  const summary = await archive.summary;
  await done;
  return { seen, summary };
}

describe('build context archive', () => {
  it('is sorted, with fixed mtime, uid/gid 0 and git-like modes; honours .dockerignore but always sends the Dockerfile', async () => {
    const d = tree({
      'Dockerfile': 'FROM scratch\n',
      '.dockerignore': 'node_modules\n**/*.log\nDockerfile\nsecrets/\n!secrets/public.pem\n',
      'src/b.js': 'b',
      'src/a.js': 'a',
      'src/debug.log': 'x',
      'node_modules/x/index.js': 'x',
      'secrets/private.pem': 'k',
      'secrets/public.pem': 'p',
      'run.sh': '#!/bin/sh\n',
    });
    chmodSync(join(d, 'run.sh'), 0o700);
    chmodSync(join(d, 'src/a.js'), 0o600);
    symlinkSync('src/a.js', join(d, 'link.js'));
    mkdirSync(join(d, '.git'));
    writeFileSync(join(d, '.git/HEAD'), 'ref');
    const { seen, summary } = await entries(d);
    expect(seen.map((e) => e.name)).toEqual(['.dockerignore', 'Dockerfile', 'link.js', 'run.sh', 'secrets/public.pem', 'src', 'src/a.js', 'src/b.js']);
    expect(seen.find((e) => e.name === 'run.sh')!.mode).toBe(0o755);
    expect(seen.find((e) => e.name === 'src/a.js')!.mode).toBe(0o644);
    expect(seen.find((e) => e.name === 'link.js')!.type).toBe('symlink');
    expect(new Set(seen.map((e) => `${e.uid}/${e.gid}/${e.mtime}`))).toEqual(new Set(['0/0/1700000000']));
    expect(summary.files).toBe(6);
    expect(summary.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('prunes ignored folders when there are no exceptions', async () => {
    const d = tree({ 'Dockerfile': 'FROM scratch\n', '.dockerignore': 'node_modules\n', 'node_modules/a/b.js': '', 'app.js': '' });
    const { entries: list, ignored } = await listContext(d, { dockerfile: 'Dockerfile' });
    expect(list.map((e) => e.path)).toEqual(['.dockerignore', 'Dockerfile', 'app.js']);
    expect(ignored).toBe(1);
  });

  it('gives the same digest for two clones of one commit, whatever their file times and umask', async () => {
    const origin = tree({ 'Dockerfile': 'FROM scratch\nCOPY . /app\n', 'src/main.js': 'console.log(1)\n', 'bin/tool': '#!/bin/sh\n', '.dockerignore': '*.tmp\n' });
    chmodSync(join(origin, 'bin/tool'), 0o755);
    git(origin, ['init', '-q', '-b', 'main']);
    git(origin, ['add', '-A']);
    git(origin, ['commit', '-q', '-m', 'feat: x']);
    const epoch = Number(git(origin, ['log', '-1', '--format=%ct']));
    const a = tempDir('clone-a');
    const b = tempDir('clone-b');
    dirs.push(a, b);
    git(a, ['clone', '-q', origin, '.']);
    execFileSync('sh', ['-c', `umask 077 && git clone -q ${JSON.stringify(origin)} .`], { cwd: b });
    utimesSync(join(b, 'src/main.js'), new Date(0), new Date(0));
    writeFileSync(join(b, 'scratch.tmp'), 'ignored local file');
    const [da, db] = await Promise.all([digestContext(a, { dockerfile: 'Dockerfile', mtime: epoch }), digestContext(b, { dockerfile: 'Dockerfile', mtime: epoch })]);
    expect(da.digest).toBe(db.digest);
    expect(da.bytes).toBe(db.bytes);
    // A one-byte change changes the digest.
    writeFileSync(join(b, 'src/main.js'), 'console.log(2)\n');
    expect((await digestContext(b, { dockerfile: 'Dockerfile', mtime: epoch })).digest).not.toBe(da.digest);
  });
});
