import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { shardshipVersion } from '../../core/package-root.js';
import type { CommandModule } from '../context.js';
import { UsageError, ExitCode } from '../../core/errors.js';
import type { ShardshipConfig } from '../../config/schema.js';
import { GitRepo } from '../../git/repo.js';
import { GATE_GROUPS, type GateGroup } from '../../config/groups.js';
import type { GateMode } from '../../gate/subject.js';
import { parseRefUpdates } from '../../gate/pre-receive.js';
import { stopCommandsToken } from '../../core/untrusted.js';

interface GateFlags {
  from?: string;
  to?: string;
  pr?: boolean;
  base?: string;
  head?: string;
  staged?: boolean;
  commitMsg?: string;
  preReceive?: boolean;
  repo: string;
  config?: string;
  allLines?: boolean;
  baseline?: string;
  writeBaseline?: boolean;
  json?: boolean;
  sarif?: string;
  github?: boolean;
  only?: string;
}

/** `--only commit,diff`: rule groups by name; an unknown one is a usage error with a suggestion. */
export async function groupsFromFlag(value: string): Promise<GateGroup[]> {
  const { closest } = await import('../../config/yaml-source.js');
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if ((GATE_GROUPS as readonly string[]).includes(n)) continue;
    const guess = closest(n, [...GATE_GROUPS]);
    throw new UsageError(`--only: unknown rule group "${n}"`, { hint: `${guess ? `did you mean "${guess}"? ` : ''}groups: ${GATE_GROUPS.join(', ')}` });
  }
  if (!names.length) throw new UsageError('--only needs rule groups', { hint: `e.g. --only commit; groups: ${GATE_GROUPS.join(', ')}` });
  return names as GateGroup[];
}

/** Exactly one input mode, from the flags. */
export function modeFromFlags(f: GateFlags, env: NodeJS.ProcessEnv, stdinText: () => Promise<string>): Promise<GateMode> | GateMode {
  const chosen = [f.from !== undefined || f.to !== undefined ? '--from/--to' : '', f.pr ? '--pr' : '', f.staged ? '--staged' : '', f.commitMsg !== undefined ? '--commit-msg' : '', f.preReceive ? '--pre-receive' : ''].filter(Boolean);
  if (chosen.length !== 1) {
    throw new UsageError(chosen.length ? `choose one input mode, not ${chosen.join(' and ')}` : 'say what to check', {
      hint: 'use one of: --from REV --to REV, --pr, --staged, --commit-msg FILE, --pre-receive',
    });
  }
  if ((f.base || f.head) && !f.pr) throw new UsageError('--base and --head go with --pr', { hint: 'for a plain range use --from REV --to REV' });
  if (f.from !== undefined || f.to !== undefined) {
    if (f.from === undefined) throw new UsageError('--to needs --from', { hint: 'e.g. --from origin/main --to HEAD' });
    return { kind: 'range', from: f.from, to: f.to ?? 'HEAD' };
  }
  if (f.pr) {
    const eventPath = env.GITHUB_EVENT_PATH;
    return { kind: 'pr', ...(f.base ? { base: f.base } : {}), ...(f.head ? { head: f.head } : {}), ...(eventPath && !(f.base && f.head) ? { eventPath } : {}) };
  }
  if (f.staged) return { kind: 'staged' };
  if (f.commitMsg !== undefined) return { kind: 'commit-msg', file: f.commitMsg };
  return stdinText().then((text) => ({ kind: 'pre-receive' as const, updates: parseRefUpdates(text) }));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** shardship.yaml from disk; in a bare server repository, the one committed on HEAD. */
async function gateConfig(repo: GitRepo, cwd: string, file: string | undefined): Promise<ShardshipConfig> {
  // Loaded on use: the zod schemas cost `shardship --help` time.
  const { DEFAULT_CONFIG_FILE, loadConfig, parseConfig } = await import('../../config/load.js');
  if (file) return (await loadConfig(cwd, file)).config;
  if (!existsSync(join(repo.dir, DEFAULT_CONFIG_FILE)) && (await repo.isBare())) {
    const blob = await repo.readBlob('HEAD', DEFAULT_CONFIG_FILE);
    if (blob) return parseConfig(`HEAD:${DEFAULT_CONFIG_FILE}`, blob.toString('utf8'));
  }
  return (await loadConfig(repo.dir, DEFAULT_CONFIG_FILE, { optional: true })).config;
}

export const registerGate: CommandModule = (program, ctx) => {
  program
    .command('gate')
    .description('check commits and their changes: messages, secrets, sizes, migrations, code')
    .option('--from <rev>', 'check the commits after REV (exclusive)')
    .option('--to <rev>', 'up to REV (inclusive, default HEAD)')
    .option('--pr', 'check a pull request: base..head from GITHUB_EVENT_PATH (or --base/--head), plus its title')
    .option('--base <rev>', 'pull request base (with --pr)')
    .option('--head <rev>', 'pull request head (with --pr)')
    .option('--staged', 'check the staged changes (pre-commit hook)')
    .option('--commit-msg <file>', 'check a commit message file (commit-msg hook)')
    .option('--pre-receive', 'read "<old> <new> <ref>" lines on stdin (server pre-receive hook)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('-c, --config <file>', 'shardship.yaml (default: <repo>/shardship.yaml)')
    .option('--all-lines', 'code rules: fail on findings anywhere in changed files, not only changed lines')
    .option('--baseline <file>', 'baseline file (default gate.baseline)')
    .option('--write-baseline', 'record every current finding in the baseline and pass')
    .option('--json', 'print the result as JSON (schemaVersion 1)')
    .option('--sarif <file>', 'also write SARIF 2.1.0 to FILE')
    .option('--github', 'also print GitHub workflow annotations')
    .option('--only <groups>', `run only these rule groups, comma-separated (${GATE_GROUPS.join(', ')}); overrides gate.groups`)
    .action(async (flags: GateFlags) => {
      const repo = new GitRepo(resolve(ctx.cwd, flags.repo), ctx.env);
      const mode = await modeFromFlags(flags, ctx.env, () => readAll(ctx.stdin));
      const groups = flags.only !== undefined ? await groupsFromFlag(flags.only) : undefined;
      const config = await gateConfig(repo, ctx.cwd, flags.config);
      // Loaded on use: the rule registry pulls in commitlint, secretlint and ESLint.
      const [{ runGate }, { jsonReport }, { textReport }, { sarifReport }, { githubReport }] = await Promise.all([
        import('../../gate/run.js'),
        import('../../gate/report/json.js'),
        import('../../gate/report/text.js'),
        import('../../gate/report/sarif.js'),
        import('../../gate/report/github.js'),
      ]);
      const result = await runGate({
        repoDir: repo.dir,
        config,
        mode,
        env: ctx.env,
        ...(flags.allLines ? { allLines: true } : {}),
        ...(flags.baseline ? { baselineFile: resolve(ctx.cwd, flags.baseline) } : {}),
        ...(flags.writeBaseline ? { writeBaseline: true } : {}),
        ...(groups ? { groups } : {}),
      });
      if (flags.sarif) await writeFile(resolve(ctx.cwd, flags.sarif), JSON.stringify(sarifReport(result, shardshipVersion()), null, 2) + '\n');
      // In an Actions log the runner reads every line for workflow commands: the report quotes
      // file names and messages, so it is printed with commands stopped (GitHub's own mechanism).
      const onRunner = flags.github === true || ctx.env.GITHUB_ACTIONS === 'true';
      if (flags.json) ctx.output.json(jsonReport(result));
      else {
        const token = onRunner ? stopCommandsToken() : undefined;
        if (token) ctx.output.out(`::stop-commands::${token}`);
        // A commit runs the pre-commit hook (which says "gate passed") and then commit-msg:
        // a clean message adds nothing, so a commit prints one line, not two.
        if (!(mode.kind === 'commit-msg' && result.passed && result.findings.length === 0)) textReport(result, ctx.output);
        if (token) ctx.output.out(`::${token}::`);
        if (!result.passed && mode.kind === 'pre-receive') {
          ctx.output.out('push rejected by shardship gate: fix the commits above (git commit --amend / git rebase -i) and push again');
        }
      }
      // Workflow commands are read from stdout and stderr alike: keep stdout valid JSON under --json.
      if (flags.github) {
        for (const line of githubReport(result)) {
          if (flags.json) ctx.output.err(line);
          else ctx.output.out(line);
        }
      }
      ctx.exitCode = result.passed ? ExitCode.Ok : ExitCode.CheckFailed;
    });
};
