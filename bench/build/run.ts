// Benchmark: `shardship build` vs the `docker build` CLI on one private dockerd (legacy
// builder on both sides: Debian's dockerd 20.10 has no buildx here, so the CLI runs with
// DOCKER_BUILDKIT=0, which is also what the Engine API /build uses), cold and warm after a
// one-file change; plus creating the context of a 10,000-file tree with a .dockerignore vs
// GNU tar writing the same deterministic archive (sorted, fixed mtime, uid/gid 0) into sha256sum.
// Usage: npm run bench:build [-- --rounds N] [--context-only]
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../pipeline/cli/main.js';
import { memoryOutput } from '../../pipeline/core/output.js';
import { digestContext } from '../../pipeline/build/context.js';
import { startDockerd, BUSYBOX, ensureBusybox } from '../../test/support/docker.js';
import { removeDir, tempDir } from '../../test/support/service.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sh = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  new Promise<string>((resolve, reject) =>
    execFile(cmd, args, { ...opts, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr}`)) : resolve(stdout))),
  );
const git = (cwd: string, args: string[]) =>
  sh('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@e', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@e' } });

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function makeApp(): Promise<string> {
  ensureBusybox();
  const dir = tempDir('bench-app');
  await git(dir, ['init', '-q', '-b', 'main']);
  copyFileSync(BUSYBOX, join(dir, 'busybox'));
  for (let i = 0; i < 300; i++) {
    mkdirSync(join(dir, 'src', `m${i % 10}`), { recursive: true });
    writeFileSync(join(dir, 'src', `m${i % 10}`, `f${i}.js`), `export const v${i} = ${i};\n`.repeat(40));
  }
  writeFileSync(join(dir, '.dockerignore'), '*.log\n');
  writeFileSync(
    join(dir, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY busybox /bin/busybox',
      'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
      'COPY src /app/src',
      'RUN find /app -type f | wc -l > /app/count',
      'USER 1000',
      'CMD ["cat", "/app/count"]',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'shardship.yaml'), 'version: 1\nbuild:\n  repository: 127.0.0.1:5000/bench\n  cacheFrom: false\n');
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'feat: bench app']);
  return dir;
}

async function benchBuilds(): Promise<string[][]> {
  const engine = await startDockerd();
  const app = await makeApp();
  try {
    const env = { ...engine.env };
    const shardshipInProcess = async (): Promise<{ tags: string[]; labels: Record<string, string> }> => {
      const output = memoryOutput();
      const code = await main(['build', '--no-push', '--json'], { cwd: app, env, output });
      if (code !== 0) throw new Error(`shardship build exited ${code}: ${output.stderr.join('\n')}`);
      return JSON.parse(output.stdout.join('\n'));
    };
    const shardshipProcess = () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [join(import.meta.dirname, '../../bin/shardship.js'), 'build', '--no-push'], { cwd: app, env: { ...env, CI: 'true' }, stdio: 'ignore' });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shardship exited ${code}`))));
      });
    // Same tags and labels on the CLI side, so both builders do the same steps.
    const first = await shardshipInProcess();
    const cliArgs = ['build', '-q', ...first.tags.flatMap((t) => ['-t', `127.0.0.1:5000/bench:${t}`]), ...Object.entries(first.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), '.'];
    const cli = () => sh('docker', cliArgs, { cwd: app, env });
    const reset = async () => {
      const ids = (await sh('docker', ['images', '-aq'], { env })).split('\n').filter(Boolean);
      if (ids.length) await sh('docker', ['rmi', '-f', ...new Set(ids)], { env }).catch(() => undefined);
    };
    const touch = () => appendFileSync(join(app, 'src/m3/f3.js'), `// change ${Date.now()}\n`);
    const results: Record<string, number[]> = {};
    const record = (k: string, ms: number) => (results[k] ??= []).push(ms);
    const contenders: [string, () => Promise<unknown>][] = [
      ['shardship (in-process)', shardshipInProcess],
      ['shardship (CLI process)', shardshipProcess],
      ['docker build CLI', cli],
    ];
    for (let r = 0; r < rounds; r++) {
      for (const [name, run] of contenders) {
        await reset();
        record(`${name} cold`, await time(run));
        touch();
        record(`${name} warm`, await time(run));
      }
      process.stderr.write(`round ${r + 1}/${rounds} done\n`);
    }
    const rows: string[][] = [];
    for (const phase of ['cold', 'warm']) {
      const base = median(results[`docker build CLI ${phase}`]!);
      for (const [name] of contenders) {
        const m = median(results[`${name} ${phase}`]!);
        rows.push([`build ${phase}`, name, `${(m / 1000).toFixed(2)}s`, (m / base).toFixed(2) + '×']);
      }
    }
    return rows;
  } finally {
    await engine.stop();
    removeDir(app);
  }
}

async function benchContext(): Promise<string[][]> {
  const dir = tempDir('bench-ctx');
  try {
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(dir, 'src', `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(dir, 'src', `d${d}`, `f${f}.ts`), `export const x${f} = '${'y'.repeat(200)}';\n`);
    }
    for (let f = 0; f < 2000; f++) {
      mkdirSync(join(dir, 'node_modules', `p${f % 50}`), { recursive: true });
      writeFileSync(join(dir, 'node_modules', `p${f % 50}`, `i${f}.js`), 'module.exports = 1;\n');
    }
    for (let f = 0; f < 500; f++) writeFileSync(join(dir, 'src', `d${f % 100}`, `debug${f}.log`), 'log\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /app\n');
    writeFileSync(join(dir, '.dockerignore'), 'node_modules\n**/*.log\n');
    const epoch = 1_700_000_000;
    let ours = '';
    const tarCmd = `tar --sort=name --mtime=@${epoch} --owner=0 --group=0 --numeric-owner --exclude=./node_modules --exclude='*.log' -cf - . | sha256sum`;
    // Wall time on a shared machine is noisy: CPU time (user+sys) is reported too.
    const res = { ours: [] as number[], tar: [] as number[], oursCpu: [] as number[], tarCpu: [] as number[] };
    for (let r = 0; r < rounds + 2; r++) {
      const cpu0 = process.cpuUsage();
      res.ours.push(await time(async () => (ours = (await digestContext(dir, { dockerfile: 'Dockerfile', mtime: epoch })).digest)));
      const cpu = process.cpuUsage(cpu0);
      res.oursCpu.push((cpu.user + cpu.system) / 1000);
      let tarTimes = '';
      res.tar.push(await time(async () => (tarTimes = await sh('bash', ['-c', `TIMEFORMAT='%U %S'; { time ( ${tarCmd} >/dev/null ) ; } 2>&1`], { cwd: dir }))));
      const [u, sy] = tarTimes.trim().split(/\s+/).map(Number);
      res.tarCpu.push(((u ?? 0) + (sy ?? 0)) * 1000);
    }
    const o = median(res.ours);
    const t = median(res.tar);
    const oc = median(res.oursCpu);
    const tc = median(res.tarCpu);
    process.stderr.write(`context digest ${ours}\n`);
    return [
      ['context 10k files (wall)', 'shardship (tar-stream + sha256)', `${(o / 1000).toFixed(2)}s`, (o / t).toFixed(2) + '×'],
      ['context 10k files (wall)', 'GNU tar --sort=name | sha256sum', `${(t / 1000).toFixed(2)}s`, '1.00×'],
      ['context 10k files (cpu)', 'shardship (tar-stream + sha256)', `${(oc / 1000).toFixed(2)}s`, (oc / tc).toFixed(2) + '×'],
      ['context 10k files (cpu)', 'GNU tar --sort=name | sha256sum', `${(tc / 1000).toFixed(2)}s`, '1.00×'],
    ];
  } finally {
    removeDir(dir);
  }
}

const onlyContext = process.argv.includes('--context-only');
const rows = [...(await benchContext()), ...(onlyContext ? [] : await benchBuilds())];
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 8));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(['case', 'tool', 'median', 'ratio']));
for (const r of rows) console.log(line(r));
console.log(`(${rounds} rounds; ratio = time / reference; target ≤ 1.15×; builds use the legacy builder on both sides, DOCKER_BUILDKIT=0 for the CLI)`);
