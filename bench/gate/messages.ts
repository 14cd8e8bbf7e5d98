// Message rules vs commitlint: a repo of 1,000 commits (built with one `git fast-import`),
// `shardship gate --from --to` (message rules only) against `commitlint --from --to` on the
// same range and the same config. Target: ≤ 1.0×, identical verdicts (exit code and the set
// of rejected messages). Called by bench/gate/run.ts; runnable alone: tsx bench/gate/messages.ts
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allRules } from '../../rules/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = 1.0;
/** Issue 13: the messages-only job (`--only commit`) at most 0.6× commitlint. */
const ONLY_TARGET = 0.6;

export interface MessageBenchRow {
  name: string;
  seconds: number;
  ratio: number;
  exitCode: number;
  rejected: number;
}

export interface MessageBenchResult {
  rows: MessageBenchRow[];
  commits: number;
  verdictsIdentical: boolean;
  target: string;
}

const TYPES = ['feat', 'fix', 'docs', 'chore', 'refactor', 'perf', 'test', 'build', 'ci'];

/** Mostly conventional messages, with a few rejected ones sprinkled in (every 97th). */
export function benchMessage(i: number): string {
  if (i % 97 === 13) return `Updated module ${i} somehow\n`;
  const type = TYPES[i % TYPES.length]!;
  const scope = i % 3 === 0 ? `(mod${i % 17})` : '';
  const body = i % 5 === 0 ? `\n\nExplain change ${i} in a body line.\n` : '\n';
  return `${type}${scope}: change number ${i}${body}`;
}

function fastImportStream(n: number): Buffer {
  const parts: Buffer[] = [];
  const push = (s: string | Buffer) => parts.push(typeof s === 'string' ? Buffer.from(s) : s);
  for (let i = 0; i < n; i++) {
    const msg = Buffer.from(benchMessage(i));
    const file = Buffer.from(`value ${i}\n`);
    push(`commit refs/heads/main\nmark :${i + 1}\ncommitter Bench <bench@example.com> ${1_700_000_000 + i} +0000\ndata ${msg.length}\n`);
    push(msg);
    push(i > 0 ? `\nfrom :${i}\n` : '\n');
    push(`M 644 inline src/file${i % 50}.txt\ndata ${file.length}\n`);
    push(file);
    push('\n');
  }
  return Buffer.concat(parts);
}

function makeRepo(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'shardship-bench-msg-'));
  const git = (args: string[], input?: Buffer) => execFileSync('git', args, { cwd: dir, ...(input ? { input } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
  git(['init', '-q', '-b', 'main']);
  git(['fast-import', '--quiet'], fastImportStream(n));
  git(['checkout', '-q', 'main']);
  // Same config for both: the repo's own commitlint config, resolved through our node_modules.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'commitlint.config.mjs'), "export default { extends: ['@commitlint/config-conventional'] };\n");
  const off = allRules.filter((r) => r.group !== 'commit').map((r) => `    ${JSON.stringify(r.id)}: off`);
  writeFileSync(join(dir, 'shardship.yaml'), ['version: 1', 'gate:', ...(off.length ? ['  rules:', ...off] : []), ''].join('\n'));
  // The messages-only CI job as users write it: every rule at its default, `--only commit`.
  writeFileSync(join(dir, '.git', 'shardship-defaults.yaml'), 'version: 1\n');
  return dir;
}

interface Run {
  ms: number;
  exitCode: number;
  stdout: string;
}

function run(cmd: string, args: string[], cwd: string): Run {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { ms: performance.now() - t, exitCode: r.status ?? -1, stdout: r.stdout + r.stderr };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Subjects commitlint rejected: each reported message starts with "⧗   input: <subject>" and has an ✖ line. */
function commitlintRejected(out: string): Set<string> {
  const rejected = new Set<string>();
  for (const block of out.split('⧗   input: ').slice(1)) {
    const [subject, ...rest] = block.split('\n');
    if (rest.some((l) => l.startsWith('✖') && !l.includes('found'))) rejected.add((subject ?? '').trim());
  }
  return rejected;
}

function gateRejected(out: string): Set<string> {
  const report = JSON.parse(out) as { findings: { severity: string; message: string; ruleId: string }[] };
  const rejected = new Set<string>();
  for (const f of report.findings) {
    const m = /"(.*)": /.exec(f.message);
    if (f.severity === 'error' && f.ruleId === 'commit/message' && m) rejected.add(m[1]!);
  }
  return rejected;
}

export function benchMessages(opts: { commits?: number; runs?: number; keep?: boolean } = {}): Promise<MessageBenchResult> {
  // Timed with child processes run one at a time, so the work itself is synchronous.
  return Promise.resolve().then(() => measure(opts));
}

function measure(opts: { commits?: number; runs?: number; keep?: boolean }): MessageBenchResult {
  const n = opts.commits ?? 1000;
  const runs = opts.runs ?? 3;
  const dir = makeRepo(n);
  try {
    const from = execFileSync('git', ['rev-list', '--max-parents=0', 'main'], { cwd: dir, encoding: 'utf8' }).trim();
    const shardship = [process.execPath, [join(ROOT, 'bin', 'shardship.js'), 'gate', '--from', from, '--to', 'main', '--json']] as const;
    const onlyCommit = [process.execPath, [join(ROOT, 'bin', 'shardship.js'), 'gate', '--from', from, '--to', 'main', '-c', join(dir, '.git', 'shardship-defaults.yaml'), '--only', 'commit', '--json']] as const;
    const commitlint = [join(ROOT, 'node_modules', '.bin', 'commitlint'), ['--from', from, '--to', 'main']] as const;
    const timings = { shardship: [] as Run[], onlyCommit: [] as Run[], commitlint: [] as Run[] };
    // One warm-up each (tsx's transform cache, the OS file cache), then the runs, interleaved.
    run(shardship[0], [...shardship[1]], dir);
    run(onlyCommit[0], [...onlyCommit[1]], dir);
    run(commitlint[0], [...commitlint[1]], dir);
    for (let i = 0; i < runs; i++) {
      timings.shardship.push(run(shardship[0], [...shardship[1]], dir));
      timings.onlyCommit.push(run(onlyCommit[0], [...onlyCommit[1]], dir));
      timings.commitlint.push(run(commitlint[0], [...commitlint[1]], dir));
    }
    const o = timings.onlyCommit[0]!;
    const oMs = median(timings.onlyCommit.map((t) => t.ms));
    const g = timings.shardship[0]!;
    const c = timings.commitlint[0]!;
    const gateSet = gateRejected(g.stdout);
    const lintSet = commitlintRejected(c.stdout);
    const onlySet = gateRejected(o.stdout);
    const same = (set: Set<string>, code: number) => code === c.exitCode && set.size === lintSet.size && [...set].every((s) => lintSet.has(s));
    const identical = same(gateSet, g.exitCode) && same(onlySet, o.exitCode);
    const gMs = median(timings.shardship.map((t) => t.ms));
    const cMs = median(timings.commitlint.map((t) => t.ms));
    // Range excludes the root commit: n - 1 commits are checked by both.
    return {
      rows: [
        { name: `shardship gate --from --to (${n - 1} commits, message rules)`, seconds: gMs / 1000, ratio: gMs / cMs, exitCode: g.exitCode, rejected: gateSet.size },
        { name: 'shardship gate --only commit (messages-only job, default config)', seconds: oMs / 1000, ratio: oMs / cMs, exitCode: o.exitCode, rejected: onlySet.size },
        { name: 'commitlint --from --to (same config)', seconds: cMs / 1000, ratio: 1, exitCode: c.exitCode, rejected: lintSet.size },
      ],
      commits: n - 1,
      verdictsIdentical: identical,
      target: `≤ ${TARGET.toFixed(1)}× commitlint: ${gMs / cMs <= TARGET ? 'met' : 'NOT met'}; messages-only job ≤ ${ONLY_TARGET}× commitlint: ${oMs / cMs <= ONLY_TARGET ? 'met' : 'NOT met'}; identical verdicts: ${identical ? 'yes' : 'NO'}`,
    };
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 1000);
  const result = await benchMessages({ commits: n });
  console.log('| name | seconds | ratio | exit | rejected |\n|---|---|---|---|---|');
  for (const r of result.rows) console.log(`| ${r.name} | ${r.seconds.toFixed(2)} | ${r.ratio.toFixed(2)}× | ${r.exitCode} | ${r.rejected} |`);
  console.log(`\n${result.target}`);
}
