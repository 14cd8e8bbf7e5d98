// `npm run bench:gate`: the gate against its peers, from one run, as markdown tables.
//   1. code: `shardship gate` on a 20-file commit in a 2,000-file TypeScript repo vs
//      `npx eslint <the 20 files>` vs `npx eslint .` (same eslint.config.js for all).
//   2. real world: bench/gate/real-world.ts, a repo of feature folders linted with
//      eslint-plugin-import's cross-file rules: the gate cold/warm/served vs eslint on the
//      changed files cold/warm.
//   3. messages: bench/gate/messages.ts (the commit-message rules and the `--only commit`
//      messages-only job vs commitlint).
// Each contender: one warm-up run, then the median of 3.
// Options: --files N --changed N --runs N --keep --skip-messages --commits N
//          --real-world-files N --real-world-changed N --skip-real-world --skip-code
// A quick smoke run: --files 100 --changed 3 --real-world-files 60 --real-world-changed 2 --commits 50 --runs 1
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Timing } from './eslint.js';

const TARGET_VS_CHANGED = 1.3;
const TARGET_VS_ALL = 0.1;

function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

function row(t: Timing, vsChanged: Timing, vsAll: Timing): string {
  const cpu = t.medianCpuMs === undefined ? 'n/a' : fmtMs(t.medianCpuMs);
  const cpuRatio = (other: Timing) => (t.medianCpuMs !== undefined && other.medianCpuMs ? ratio(t.medianCpuMs, other.medianCpuMs) : 'n/a');
  return `| ${t.name} | ${fmtMs(t.medianMs)} | ${ratio(t.medianMs, vsChanged.medianMs)} | ${ratio(t.medianMs, vsAll.medianMs)} | ${cpu} | ${cpuRatio(vsChanged)} | ${cpuRatio(vsAll)} | ${t.exitCodes.join(',')} |`;
}

function verdict(value: number, target: number): string {
  return value <= target ? 'met' : 'NOT met';
}

async function messagesSection(runs: number, commits: number): Promise<string[]> {
  const file = new URL('./messages.ts', import.meta.url);
  if (!existsSync(file)) return ['_bench/gate/messages.ts does not exist yet: the message-rules benchmark (1,000 commits vs `commitlint --from --to`) was not run._'];
  // A variable specifier: the module is another helper's and may not exist in every checkout.
  const spec = './messages.js';
  const mod = (await import(spec)) as Record<string, unknown>;
  const fn = mod.benchMessages;
  if (typeof fn !== 'function') return ['_bench/gate/messages.ts exports no `benchMessages` function: skipped._'];
  const result: unknown = await (fn as (o: { runs: number; commits: number }) => unknown)({ runs, commits });
  return renderUnknown(result);
}

/** Print whatever the messages bench returns: a string, rows of objects, or { rows, ... }. */
function renderUnknown(result: unknown): string[] {
  if (typeof result === 'string') return [result];
  const rows = Array.isArray(result) ? result : (result as { rows?: unknown } | undefined)?.rows;
  if (!Array.isArray(rows) || rows.length === 0) return ['```', JSON.stringify(result, null, 2), '```'];
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : typeof v === 'string' ? v : JSON.stringify(v));
  const out = [`| ${keys.join(' | ')} |`, `|${keys.map(() => '---').join('|')}|`];
  for (const r of rows as Record<string, unknown>[]) out.push(`| ${keys.map((k) => cell(r[k])).join(' | ')} |`);
  if (!Array.isArray(result)) {
    const rest = Object.entries(result as object).filter(([k]) => k !== 'rows');
    for (const [k, v] of rest) out.push('', `${k}: ${cell(v)}`);
  }
  return out;
}

/**
 * `--engine-only`: the gate's own path for a range (collect the subject with git, run
 * code/eslint) without the CLI's start-up, i.e. without importing every command and rule.
 * Spawned by the benchmark to show how much of `shardship gate` is start-up.
 */
async function engineOnly(): Promise<void> {
  const [{ GitRepo }, { collectSubjects }, { eslintRule }, { loadConfig }] = await Promise.all([
    import('../../pipeline/git/repo.js'),
    import('../../pipeline/gate/subject.js'),
    import('../../rules/code/eslint.js'),
    import('../../pipeline/config/load.js'),
  ]);
  const { config } = await loadConfig(process.cwd());
  const [subject] = await collectSubjects(new GitRepo(process.cwd()), { kind: 'range', from: 'HEAD~1', to: 'HEAD' }, { withFiles: true });
  const findings = subject ? await eslintRule.check({ subject, config, gate: config.gate, options: {}, allLines: false }) : [];
  process.stdout.write(`${findings.length} findings\n`);
  process.exitCode = findings.some((f) => f.severity !== 'warn') ? 1 : 0;
}

const TARGET_COLD = 1.0;
const TARGET_SERVED = 0.3;

async function realWorldSection(files: number, changedFeatures: number, runs: number, keep: boolean): Promise<string[]> {
  const { benchRealWorld } = await import('./real-world.js');
  process.stderr.write(`real world: generating ~${files} files, a commit changing ${changedFeatures}; warm-up + ${runs} runs per contender...\n`);
  const r = await benchRealWorld({ files, changedFeatures, runs, keep });
  const vs = (t: Timing, base: Timing) => t.medianMs / base.medianMs;
  const line = (t: Timing) => `| ${t.name} | ${fmtMs(t.medianMs)} | ${ratio(t.medianMs, r.eslintCold.medianMs)} | ${ratio(t.medianMs, r.eslintWarm.medianMs)} | ${t.medianCpuMs === undefined ? 'n/a' : fmtMs(t.medianCpuMs)} | ${t.exitCodes.join(',')} |`;
  return [
    `## gate: a real-world-shaped repo (${r.files} files, eslint-plugin-import cross-file rules), a ${r.changed}-file commit`,
    '',
    'Feature folders with barrels and namespace imports; import/namespace, import/named, import/no-unresolved, import/no-cycle on top of',
    '@eslint/js + typescript-eslint recommended. shardship.yaml turns every rule but code/eslint off. Median of ' + runs + ' runs after one warm-up.',
    '',
    '| contender | wall (median) | vs eslint cold | vs eslint --cache | CPU user+sys | exit codes |',
    '|---|---|---|---|---|---|',
    ...[r.gateCold, r.gateWarm, r.gateServed, r.eslintCold, r.eslintWarm].map(line),
    '',
    `Targets: cold ≤ ${TARGET_COLD}× eslint on the changed files: ${vs(r.gateCold, r.eslintCold).toFixed(2)}× (${verdict(vs(r.gateCold, r.eslintCold), TARGET_COLD)});` +
      ` warm with the lint server ≤ ${TARGET_SERVED}×: ${vs(r.gateServed, r.eslintCold).toFixed(2)}× (${verdict(vs(r.gateServed, r.eslintCold), TARGET_SERVED)}).`,
    '',
    ...[r.gateCold, r.gateWarm, r.gateServed, r.eslintCold, r.eslintWarm].map((t) => `- \`${t.command}\`: ${t.runsMs.map((ms) => fmtMs(ms)).join(', ')}`),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      files: { type: 'string', default: '2000' },
      changed: { type: 'string', default: '20' },
      runs: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      'engine-only': { type: 'boolean', default: false },
      'skip-messages': { type: 'boolean', default: false },
      'skip-code': { type: 'boolean', default: false },
      commits: { type: 'string', default: '1000' },
      'real-world-files': { type: 'string', default: '600' },
      'real-world-changed': { type: 'string', default: '10' },
      'skip-real-world': { type: 'boolean', default: false },
    },
  });
  if (values['engine-only']) return engineOnly();
  const runs = Number(values.runs);
  const realWorld = values['skip-real-world'] ? ['_skipped (--skip-real-world)._'] : await realWorldSection(Number(values['real-world-files']), Number(values['real-world-changed']), runs, values.keep);
  const messages = values['skip-messages'] ? ['_skipped (--skip-messages)._'] : await messagesSection(runs, Number(values.commits));
  if (values['skip-code']) {
    process.stdout.write([...realWorld, '', '## gate: commit-message rules', '', ...messages].join('\n') + '\n');
    return;
  }
  const { benchEslint } = await import('./eslint.js');
  const files = Number(values.files);
  const changed = Number(values.changed);
  process.stderr.write(`code gate: generating ${files} modules, a commit changing ${changed}; warm-up + ${runs} runs per contender...\n`);
  const r = await benchEslint({ files, changed, runs, keep: values.keep });

  const vsChanged = r.shardship.medianMs / r.eslintChanged.medianMs;
  const vsAll = r.shardship.medianMs / r.eslintAll.medianMs;
  const lines = [
    `## gate: code/eslint on a ${changed}-file commit in a ${files}-file TypeScript repo`,
    '',
    'Same `eslint.config.js` for all (ESLint + typescript-eslint recommended, untyped). shardship.yaml turns every rule but',
    '`code/eslint` off, to compare like with like. Median of ' + runs + ' runs after one warm-up.',
    '',
    `| contender | wall (median) | vs eslint ${changed} files | vs eslint . | CPU user+sys | CPU vs eslint ${changed} files | CPU vs eslint . | exit codes |`,
    '|---|---|---|---|---|---|---|---|',
    row(r.shardship, r.eslintChanged, r.eslintAll),
    row(r.shardshipCold, r.eslintChanged, r.eslintAll),
    row(r.shardshipServed, r.eslintChanged, r.eslintAll),
    row(r.shardshipStartup, r.eslintChanged, r.eslintAll),
    row(r.engineOnly, r.eslintChanged, r.eslintAll),
    row(r.eslintChanged, r.eslintChanged, r.eslintAll),
    row(r.eslintAll, r.eslintChanged, r.eslintAll),
    '',
    `Targets (shardship gate, warm cache): ≤ ${TARGET_VS_CHANGED}× the ${changed}-file ESLint time: ${vsChanged.toFixed(2)}× (${verdict(vsChanged, TARGET_VS_CHANGED)});` +
      ` ≤ ${TARGET_VS_ALL}× the full-repo time: ${vsAll.toFixed(2)}× (${verdict(vsAll, TARGET_VS_ALL)}).`,
    `Cold cache: ${(r.shardshipCold.medianMs / r.eslintChanged.medianMs).toFixed(2)}× and ${(r.shardshipCold.medianMs / r.eslintAll.medianMs).toFixed(2)}×.`,
    `With the lint server running (\`shardship lint-server start\`, what local hooks reuse): ${(r.shardshipServed.medianMs / r.eslintChanged.medianMs).toFixed(2)}× (${verdict(r.shardshipServed.medianMs / r.eslintChanged.medianMs, TARGET_VS_CHANGED)})` +
      ` and ${(r.shardshipServed.medianMs / r.eslintAll.medianMs).toFixed(2)}× (${verdict(r.shardshipServed.medianMs / r.eslintAll.medianMs, TARGET_VS_ALL)}).`,
    '',
    '## gate: commit-message rules',
    '',
    ...messages,
    '',
    ...realWorld,
    '',
    '<details><summary>commands and every run</summary>',
    '',
    ...[r.shardship, r.shardshipCold, r.shardshipServed, r.shardshipStartup, r.engineOnly, r.eslintChanged, r.eslintAll].map(
      (t) => `- \`${t.command}\`: ${t.runsMs.map((ms) => fmtMs(ms)).join(', ')}`,
    ),
    '',
    '</details>',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
