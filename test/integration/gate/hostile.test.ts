// `shardship gate` on repositories an attacker built: file names and subjects made of workflow
// commands, escape sequences, shell syntax, leading dashes and bidi overrides; symlinks out of
// the repository; a 50 MB file, a 1 MB message, 10,000 files; refs named like options;
// submodules. Nothing may crash the gate, hold it, reach a shell, the terminal or the runner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { printable } from '../../../pipeline/core/untrusted.js';
import { allRules } from '../../../rules/index.js';
import { removeDir, tempDir } from '../../support/service.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';
import { runnerCommands } from '../../unit/gate/report/runner-model.js';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const canary = tempDir('hostile-canary');
const CANARY = join(canary, 'pwned');

// Each a file name (git allows every byte but NUL and '/') and a commit subject.
const NAMES = [
  'x\n::warning file=x::INJECTED',
  'cr\r::error::INJECTED',
  '::add-mask::hunter2',
  '::set-output name=out::pwned',
  '::stop-commands::abc',
  'v1 ##[set-output name=out;]pwned',
  '\u001b[31mred\u001b[0m \u001b]0;title\u0007',
  `$(touch ${CANARY}) \`touch ${CANARY}\``,
  '--output=evil',
  '-rf',
  'invoice\u202etxt.exe',
];
const fileName = (s: string) => s.replace(/\//g, '∕');

async function cli(repo: TempRepo, args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const output = memoryOutput();
  const env = { ...process.env, ...opts.env };
  delete env.GITHUB_ACTIONS;
  if (opts.env?.GITHUB_ACTIONS) env.GITHUB_ACTIONS = opts.env.GITHUB_ACTIONS;
  const code = await main(args, { cwd: repo.dir, output, env, stdin: Readable.from([opts.stdin ?? '']) });
  return { code, stdout: output.stdout, stderr: output.stderr, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}

afterAll(() => removeDir(canary));

describe('gate on hostile file names and commit subjects', () => {
  let r: TempRepo;
  let base: string;
  beforeAll(() => {
    r = TempRepo.create({ prefix: 'hostile' });
    base = r.commit('chore: init', { 'README.md': '# x\n' });
    // A conflict marker in each file gives a finding naming it; each subject fails commitlint.
    for (const s of NAMES) r.commit(s, { [`${fileName(s)}.txt`]: 'ok\n<<<<<<< HEAD\n' });
  });
  afterAll(() => r.remove());

  it('--github: the runner sees only the annotations, each naming the file (controls escaped)', async () => {
    const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--github']);
    expect(res.code).toBe(1);
    const commands = runnerCommands(res.out);
    expect(commands[0]!.command).toBe('stop-commands');
    expect(commands[0]!.data).toMatch(/^shardship-[0-9a-f]{32}$/);
    const rest = commands.slice(1);
    for (const c of rest) expect(['error', 'warning']).toContain(c.command);
    expect(rest.filter((c) => c.command === 'error')).toHaveLength(10); // GitHub's per-step limit; the rest are counted in a line
    for (const c of rest.filter((x) => x.properties.file)) expect(NAMES.map((s) => printable(`${fileName(s)}.txt`))).toContain(c.properties.file);
    expect(res.out).not.toContain('INJECTED\n');
    expect(existsSync(CANARY)).toBe(false);
  });

  it('the text report (also on a runner without --github) holds no escape and starts no command', async () => {
    const plain = await cli(r, ['gate', '--from', base, '--to', 'HEAD']);
    expect(plain.code).toBe(1);
    for (const line of plain.stdout) expect(line).not.toMatch(UNSAFE);
    for (const s of NAMES) expect(plain.out).toContain(printable(fileName(s)));
    const onRunner = await cli(r, ['gate', '--from', base, '--to', 'HEAD'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(runnerCommands(onRunner.out).map((c) => c.command)).toEqual(['stop-commands']);
    expect(onRunner.stdout.at(-1)).toMatch(/^::shardship-[0-9a-f]{32}::$/);
  });

  it('--json --github: stdout is JSON with the exact names and no command; annotations go to stderr', async () => {
    const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json', '--github']);
    expect(runnerCommands(res.out)).toEqual([]);
    const report = JSON.parse(res.out) as { findings: { file: string | null; message: string }[] };
    for (const s of NAMES) expect(report.findings.map((f) => f.file)).toContain(`${fileName(s)}.txt`);
    expect(report.findings.some((f) => f.message.includes('##[set-output'))).toBe(true);
    expect(runnerCommands(res.err).map((c) => c.command).filter((c) => c !== 'error' && c !== 'warning')).toEqual([]);
  });

  it('refs named like options are revisions, never options', async () => {
    r.git('update-ref', 'refs/heads/--output=evil', 'HEAD');
    r.git('update-ref', 'refs/tags/-rf', base);
    const res = await cli(r, ['gate', '--from', '-rf', '--to', '--output=evil', '--json']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.out).summary.commits).toBe(NAMES.length);
    expect(existsSync(join(r.dir, 'evil'))).toBe(false);
    // As on a server: the pushed commits exist but no ref reaches them yet.
    const head = r.head();
    r.git('update-ref', '-d', 'refs/heads/--output=evil');
    r.git('update-ref', 'refs/heads/main', base);
    const pushed = await cli(r, ['gate', '--pre-receive'], { stdin: `0000000000000000000000000000000000000000 ${head} refs/heads/--upload-pack=evil\n` });
    r.git('update-ref', 'refs/heads/main', head);
    expect(pushed.code).toBe(1);
    expect(pushed.out).toContain('refs/heads/--upload-pack=evil: commit');
  });
});

describe('gate on inputs built to exhaust it', () => {
  const othersOff = allRules.filter((x) => x.group === 'sql' || x.group === 'dockerfile').map((x) => `    ${x.id}: off`);

  it('a symlink out of the repository is never followed, even to /dev/zero', async () => {
    const r = TempRepo.create({ prefix: 'hostile-link' });
    try {
      const base = r.commit('chore: init', { 'README.md': '# x\n' });
      writeFileSync(join(canary, 'outside.ts'), 'export const outsideSecret = "outside-the-repo";\n');
      symlinkSync(join(canary, 'outside.ts'), join(r.dir, 'outside.ts'));
      symlinkSync('/dev/zero', join(r.dir, 'zero.ts'));
      r.commit('feat: links');
      const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json']);
      expect(res.out).not.toContain('outside-the-repo');
      const files = (JSON.parse(res.out) as { findings: { file: string }[] }).findings.map((f) => f.file);
      // Linted as what git stores for a link: its target path, which is not valid code.
      expect(files).toContain('zero.ts');
    } finally {
      r.remove();
    }
  });

  it('a 50 MB source file and a 1 MB commit message: bounded time and memory', async () => {
    const r = TempRepo.create({ prefix: 'hostile-big' });
    try {
      r.write('shardship.yaml', `version: 1\ngate:\n  rules:\n${othersOff.join('\n')}\n`);
      const base = r.commit('chore: init', { 'README.md': '# x\n' });
      const line = 'export const value = 1234567890;\n';
      r.commit(`feat: ${'a'.repeat(1024 * 1024)}\n`, { 'big.ts': line.repeat(Math.ceil((50 * 1024 * 1024) / line.length)) });
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json']);
      const seconds = (performance.now() - started) / 1000;
      const report = JSON.parse(res.out) as { findings: { ruleId: string; message: string }[] };
      expect(report.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['commit/message', 'diff/max-file-size', 'code/eslint']));
      expect(report.findings.find((f) => f.ruleId === 'commit/message')?.message).toContain('gate.commit.maxLineLength');
      expect(report.findings.find((f) => f.ruleId === 'code/eslint')?.message).toContain('not linted');
      // Before: ESLint parsed the 50 MB file for minutes and commitlint never returned.
      expect(seconds).toBeLessThan(60);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1024 * 1024 * 1024);
    } finally {
      r.remove();
    }
  });

  it('a commit with 10,000 files, one named with a newline, is scanned for secrets in seconds', async () => {
    const r = TempRepo.create({ prefix: 'hostile-many' });
    try {
      const base = r.commit('chore: init', { 'README.md': '# x\n' });
      for (let i = 0; i < 10_000; i++) r.write(`f/f${i}.txt`, `value ${i}\n`);
      r.write('f/new\nline.txt', 'const slack = "xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn";\n');
      r.commit('feat: many files');
      const started = performance.now();
      const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json']);
      const seconds = (performance.now() - started) / 1000;
      const report = JSON.parse(res.out) as { summary: { files: number }; findings: { ruleId: string; file: string }[] };
      expect(report.summary.files).toBe(10_001);
      expect(report.findings.filter((f) => f.ruleId === 'diff/secrets').map((f) => f.file)).toEqual(['f/new\nline.txt']);
      // Before: secretlint's profiler made this quadratic (10,000 files took 380 s) and the newline crashed it.
      expect(seconds).toBeLessThan(60);
    } finally {
      r.remove();
    }
  });

  it('a submodule with a hostile path is reported as a submodule, never entered', async () => {
    const sub = TempRepo.create({ prefix: 'hostile-sub' });
    const r = TempRepo.create({ prefix: 'hostile-super' });
    try {
      sub.commit('chore: sub', { 'secret.txt': 'const slack = "xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn";\n' });
      const base = r.commit('chore: init', { 'README.md': '# x\n' });
      r.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, `vendor/--output=evil $(touch ${CANARY})`);
      r.commit('build: add a submodule');
      const res = await cli(r, ['gate', '--from', base, '--to', 'HEAD', '--json']);
      expect(res.code).toBe(0);
      expect(JSON.parse(res.out).findings).toEqual([]);
      expect(existsSync(CANARY)).toBe(false);
    } finally {
      r.remove();
      sub.remove();
    }
  });
});
