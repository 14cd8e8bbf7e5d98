// code/eslint: ESLint on the files a range changes, with the repo's own flat config (else its
// legacy eslintrc, else a typescript-eslint default). A "new code" gate like SonarQube's
// new-code period or reviewdog's `added` filter: only findings on added or changed lines fail,
// unless --all-lines (or gate.code.allLines) widens it to whole files.
import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../pipeline/core/errors.js';
import type { ChangedFile, GateRule, RuleContext, RuleFinding } from '../../pipeline/gate/types.js';
import { materialiseConfig } from '../../pipeline/lint/committed-config.js';
import { lintWithServer } from '../../pipeline/lint/server-client.js';
import {
  createCodeLinter,
  eslintrcNotice,
  findEslintConfig,
  isMissingPackageError,
  pickEslintConfig,
  type EslintConfigFile,
  type LintFileReport,
  type LintMessage,
  type LintTarget,
} from '../../pipeline/lint/eslint.js';

export const RULE_ID = 'code/eslint';

/** `gate.rules.code/eslint.options` in shardship.yaml. */
export const EslintRuleOptions = z.strictObject({
  /** Report ESLint warnings (as gate warnings, which do not fail it, like ESLint itself); `false` drops them. */
  warnings: z.boolean().default(true),
  /** Typed rules in shardship's default config (used only when the repo has no ESLint config of its own). */
  typed: z.boolean().default(false),
  /**
   * The repo's ESLint config is in the commits but not on disk (a bare server repository):
   * `warn` says it was not run; `run` runs it from a temp folder with shardship's own packages.
   * Off by default because it executes pushed code on the server (a flat config is JavaScript).
   */
  configFromCommits: z.enum(['warn', 'run']).default('warn'),
  /**
   * The repo's resident lint server (`shardship lint-server start`): `use` it when one runs,
   * `auto` also starts one in the background for the next run, `off` never asks.
   */
  server: z.enum(['off', 'use', 'auto']).default('use'),
});
export type EslintRuleOptions = z.infer<typeof EslintRuleOptions>;

export function parseOptions(options: Record<string, unknown>): EslintRuleOptions {
  const parsed = EslintRuleOptions.safeParse(options);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      path: ['gate', 'rules', RULE_ID, 'options', ...(issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : issue.path.map(String))].join('.'),
      message: issue.message,
      hint: 'code/eslint options: warnings (boolean), typed (boolean), configFromCommits (warn | run), server (off | use | auto)',
    })),
  );
}

const LINTED_STATUSES = new Set<ChangedFile['status']>(['added', 'modified', 'renamed', 'copied']);

/** The changed files this rule lints: text files that exist at head with a linted extension. */
export function lintableFiles(net: ChangedFile[], extensions: string[]): ChangedFile[] {
  return net.filter((f) => LINTED_STATUSES.has(f.status) && !f.binary && !f.submodule && extensions.some((ext) => f.path.endsWith(ext)));
}

/**
 * Which lines of a file count. A truncated diff (huge file) lost some of its added lines,
 * so the whole file counts rather than silently passing new code.
 */
export function linesInScope(file: ChangedFile, allLines: boolean): Set<number> | 'all' {
  if (allLines || file.truncated) return 'all';
  return new Set(file.addedLines.map((l) => l.line));
}

/**
 * Whether a message fails the gate: on a line in scope (its first line, as reviewdog does);
 * fatal parse errors always, since a file that does not parse was not checked at all.
 */
export function inScope(message: LintMessage, scope: Set<number> | 'all', opts: EslintRuleOptions): boolean {
  if (message.fatal) return true;
  if (message.severity === 1 && !opts.warnings) return false;
  return scope === 'all' || scope.has(message.line);
}

/** Stable across unrelated edits (line moves): ESLint rule + file + the line's trimmed text. */
export function fingerprintOf(eslintRuleId: string | null, file: string, lineText: string): string {
  return createHash('sha1')
    .update([RULE_ID, eslintRuleId ?? 'fatal', file, lineText.trim()].join('\0'))
    .digest('hex');
}

export function toFinding(file: string, m: LintMessage, lines: string[]): RuleFinding {
  return {
    ruleId: RULE_ID,
    // ESLint warnings stay warnings: the engine never raises them to the rule's severity.
    ...(m.severity === 1 ? { severity: 'warn' as const } : {}),
    message: m.fatal ? `parse error: ${m.message}` : `${m.message} (${m.ruleId ?? 'eslint'})`,
    file,
    line: m.line,
    column: m.column,
    ...(m.docsUrl ? { hint: m.docsUrl } : {}),
    fingerprint: fingerprintOf(m.ruleId, file, lines[m.line - 1] ?? ''),
  };
}

/** Turn ESLint's reports into findings for the lines in scope, in file then line order. */
export function selectFindings(
  reports: LintFileReport[],
  files: Map<string, { file: ChangedFile; text: string }>,
  allLines: boolean,
  opts: EslintRuleOptions,
): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const report of [...reports].sort((a, b) => a.path.localeCompare(b.path))) {
    const entry = files.get(report.path);
    if (!entry) continue;
    const scope = linesInScope(entry.file, allLines);
    const lines = entry.text.split(/\r?\n/);
    const kept = report.messages.filter((m) => inScope(m, scope, opts)).sort((a, b) => a.line - b.line || a.column - b.column);
    findings.push(...kept.map((m) => toFinding(report.path, m, lines)));
  }
  return findings;
}

/**
 * What to hand ESLint for one file: the working-tree file when it holds exactly the head
 * content, else the head content as text (a range whose head is not checked out, a partially
 * staged file).
 */
async function targetFor(repoDir: string, path: string, atHead: Buffer): Promise<LintTarget> {
  // Only a regular file of the same size is read: a symlink in the tree (to /dev/zero, to a
  // file outside the repository) is never followed, and a committed link is linted as its blob.
  const st = await lstat(join(repoDir, path)).catch(() => undefined);
  const onDisk = st?.isFile() && st.size === atHead.length ? await readFile(join(repoDir, path)).catch(() => undefined) : undefined;
  return onDisk?.equals(atHead) ? { path } : { path, text: atHead.toString('utf8') };
}

/** Files over gate.diff.maxFileBytes are not linted (ESLint on a 50 MB file runs for minutes): each gets a warning. */
function tooBigToLint(files: ChangedFile[], maxBytes: number): RuleFinding[] {
  return files.map((f) => ({
    ruleId: RULE_ID,
    severity: 'warn' as const,
    file: f.path,
    message: `not linted: ${(f.sizeBytes ?? 0).toLocaleString('en-US')} bytes, over gate.diff.maxFileBytes (${maxBytes.toLocaleString('en-US')})`,
    hint: 'keep generated or vendored code out of the linted extensions, or raise gate.diff.maxFileBytes',
  }));
}

async function check(ctx: RuleContext): Promise<RuleFinding[]> {
  const { subject } = ctx;
  const opts = parseOptions(ctx.options);
  const lintable = lintableFiles(subject.net, ctx.gate.code.extensions);
  const maxBytes = ctx.gate.diff.maxFileBytes;
  const skipped = tooBigToLint(lintable.filter((f) => (f.sizeBytes ?? 0) > maxBytes), maxBytes);
  const candidates = lintable.filter((f) => (f.sizeBytes ?? 0) <= maxBytes);
  if (candidates.length === 0) return skipped;

  const files = new Map<string, { file: ChangedFile; text: string }>();
  const targets: LintTarget[] = [];
  const batch = 16;
  for (let i = 0; i < candidates.length; i += batch) {
    const read = await Promise.all(
      candidates.slice(i, i + batch).map(async (file) => {
        const atHead = await subject.readAtHead(file.path);
        return atHead && { file, atHead, target: await targetFor(subject.repoDir, file.path, atHead) };
      }),
    );
    for (const r of read) {
      if (!r) continue; // gone at head (deleted by a later commit in the range)
      files.set(r.file.path, { file: r.file, text: r.atHead.toString('utf8') });
      targets.push(r.target);
    }
  }
  if (targets.length === 0) return skipped;

  const allLines = ctx.allLines || ctx.gate.code.allLines;
  const onDisk = await findEslintConfig(subject.repoDir);
  if (!onDisk) {
    // Linting with the default config when the repo has its own at head (a bare server repo,
    // an old checkout) would give verdicts CI does not.
    const inCommits = await pickEslintConfig((name) => subject.readAtHead(name));
    if (inCommits) return [...skipped, ...(await checkWithCommittedConfig(ctx, { opts, allLines }, inCommits, files))];
  }

  const reports = await lintWithServer({ repoDir: subject.repoDir, typed: opts.typed, targets, server: opts.server, ...(ctx.noteEslint ? { onEslint: ctx.noteEslint } : {}) });
  return [...skipped, ...configNotices(onDisk), ...selectFindings(reports, files, allLines, opts)];
}

/** A warning for a legacy eslintrc config: still honoured, but on its way out. */
function configNotices(config: EslintConfigFile | undefined): RuleFinding[] {
  if (config?.kind !== 'eslintrc') return [];
  return [{ ruleId: RULE_ID, severity: 'warn', file: config.file, ...eslintrcNotice(config.file) }];
}

function notRun(config: EslintConfigFile, message: string, hint: string): RuleFinding[] {
  return [{ ruleId: RULE_ID, severity: 'warn', message: `not run: ${message}`, file: config.file, hint }];
}

/**
 * The repo's config exists only in the commits: run it from a temp folder holding the config,
 * the modules it imports by relative path and package.json, with shardship's node_modules,
 * when allowed and when every package it imports is one shardship has; else say why not.
 * Files are linted as text (their head contents).
 */
async function checkWithCommittedConfig(
  ctx: RuleContext,
  { opts, allLines }: { opts: EslintRuleOptions; allLines: boolean },
  config: EslintConfigFile,
  files: Map<string, { file: ChangedFile; text: string }>,
): Promise<RuleFinding[]> {
  if (opts.configFromCommits === 'warn') {
    return notRun(
      config,
      `the repo's ESLint config (${config.file}) is in the commits but not in this working tree (a bare repository?)`,
      `run the gate in a checkout with dependencies installed (CI), or set gate.rules.${RULE_ID}.options.configFromCommits: run in the server's config to run it with shardship's own packages (this executes the pushed config on the server)`,
    );
  }
  const copy = await materialiseConfig(config, (path) => ctx.subject.readAtHead(path));
  try {
    if (copy.missing.length > 0) {
      return notRun(
        config,
        `${config.file} imports ${copy.missing.map((p) => `'${p}'`).join(', ')}, which shardship does not have`,
        'run the gate where the repo\'s dependencies are installed (CI), or keep the config to eslint, @eslint/js, typescript-eslint and globals',
      );
    }
    const linter = await createCodeLinter({ repoDir: copy.dir, typed: opts.typed });
    ctx.noteEslint?.(linter.eslint);
    let reports: LintFileReport[];
    try {
      reports = await linter.lint([...files].map(([path, { text }]) => ({ path, text })));
    } catch (e) {
      // A package loaded some other way (an eslintrc plugin, a dynamic import): not the pusher's fault here.
      if (e instanceof ConfigError && isMissingPackageError(e.cause)) return notRun(config, e.problems[0]!.message, 'run the gate where the repo\'s dependencies are installed (CI)');
      throw e;
    }
    return [...configNotices(config), ...selectFindings(reports, files, allLines, opts)];
  } finally {
    await copy.remove();
  }
}

export const eslintRule: GateRule = {
  id: RULE_ID,
  group: 'code',
  defaultSeverity: 'error',
  description:
    "ESLint on the changed files with the repo's own flat config (else its eslintrc, else typescript-eslint recommended); only findings on added or changed lines fail unless --all-lines.",
  check,
};
