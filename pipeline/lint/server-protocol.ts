// The resident lint server's wire format and where its socket lives. One JSON line each way
// per connection over a Unix socket (a named pipe on Windows) that only its user can reach.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, UsageError } from '../core/errors.js';
import type { CodeLinter, LintFileReport, LintTarget } from './eslint.js';

const LintTargetShape = z.strictObject({ path: z.string().min(1), text: z.string().optional() });

export const LintServerRequest = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('lint'),
    /** The client's shardship version: a server of another version declines (and exits). */
    version: z.string(),
    repoDir: z.string(),
    typed: z.boolean(),
    targets: z.array(LintTargetShape),
  }),
  z.strictObject({ op: z.literal('status') }),
  z.strictObject({ op: z.literal('stop') }),
]);
export type LintServerRequest = z.infer<typeof LintServerRequest>;

const LintMessageShape = z.object({
  ruleId: z.string().nullable(),
  severity: z.union([z.literal(1), z.literal(2)]),
  message: z.string(),
  line: z.number(),
  column: z.number(),
  endLine: z.number().optional(),
  fatal: z.boolean(),
  docsUrl: z.string().optional(),
});

const ConfigProblemShape = z.object({
  position: z.object({ file: z.string(), line: z.number(), column: z.number() }).optional(),
  path: z.string(),
  message: z.string(),
  hint: z.string().optional(),
});

export const LintServerStatus = z.object({
  pid: z.number(),
  version: z.string(),
  repoDir: z.string(),
  /** Repo-relative ESLint config in use; absent for shardship's default config. */
  configFile: z.string().optional(),
  /** Warm-up is over: the config has loaded (or failed to, which lint requests then report). */
  ready: z.boolean(),
  startedAt: z.string(),
  lastUsedAt: z.string(),
  idleTimeoutMs: z.number(),
  served: z.number(),
  declined: z.number(),
  /** Connections open when asked, this one included: more than one at rest would be a leak. */
  openConnections: z.number(),
});
export type LintServerStatus = z.infer<typeof LintServerStatus>;

export const LintServerResponse = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('reports'),
    reports: z.array(z.object({ path: z.string(), source: z.enum(['files', 'text']), messages: z.array(LintMessageShape) })),
    /** Which ESLint the server runs. */
    eslint: z.object({ version: z.string(), from: z.enum(['repository', 'shardship']), notice: z.string().optional() }).optional(),
  }),
  /** The server will not lint this (its config changed, typed linting, another version): lint in-process. */
  z.object({
    kind: z.literal('declined'),
    reason: z.string(),
    /** The server stops after this reply (its config changed, another version asked): a new one would not decline. */
    retiring: z.boolean(),
  }),
  /** The repo's ESLint config is broken: the same ConfigError an in-process run would raise. */
  z.object({ kind: z.literal('config-error'), problems: z.array(ConfigProblemShape), hint: z.string().optional() }),
  z.object({ kind: z.literal('status'), status: LintServerStatus }),
  z.object({ kind: z.literal('stopping') }),
  z.object({ kind: z.literal('error'), message: z.string() }),
]);
export type LintServerResponse = z.infer<typeof LintServerResponse>;

export interface LintServerPaths {
  /** Per-user folder holding every lint server's socket and log. */
  dir: string;
  socket: string;
  log: string;
}

/** Where the lint server for `repoDir` listens and logs: keyed by the repo's real path. */
export function lintServerPaths(repoDir: string, env: NodeJS.ProcessEnv = process.env): LintServerPaths {
  const key = createHash('sha1').update(realpathSync(repoDir)).digest('hex').slice(0, 16);
  const user = process.getuid?.() ?? env.USERNAME ?? 'user';
  const dir = join(env.SHARDSHIP_LINT_SERVER_DIR ?? tmpdir(), `shardship-${user}`);
  const socket = process.platform === 'win32' ? `\\\\.\\pipe\\shardship-lint-${user}-${key}` : join(dir, `lint-${key}.sock`);
  return { dir, socket, log: join(dir, `lint-${key}.log`) };
}

/**
 * Whether `dir` is a directory (not a link) owned by this user and closed to others. A socket
 * anywhere else could belong to another user, who would then answer our lint requests.
 */
export function isPrivateDir(dir: string): boolean {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return false;
  const uid = process.getuid?.();
  return uid === undefined || (st.uid === uid && (st.mode & 0o077) === 0);
}

/** Create the per-user folder (0700), or check that the existing one is private. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isPrivateDir(dir)) {
    const mode = (lstatSync(dir).mode & 0o777).toString(8);
    throw new UsageError(`${dir} is not a private folder of this user (mode ${mode}), so a lint server cannot use it`, {
      hint: `remove ${dir}, or set SHARDSHIP_LINT_SERVER_DIR to a folder only you can write`,
    });
  }
}

type LintAnswer = Extract<LintServerResponse, { kind: 'reports' | 'config-error' | 'error' }>;

/** Lint and say how it went as plain data, for a reply that crosses a socket or a thread. */
export async function lintAnswer(linter: CodeLinter, targets: LintTarget[]): Promise<LintAnswer> {
  try {
    return { kind: 'reports', reports: await linter.lint(targets), eslint: linter.eslint };
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'config-error', problems: e.problems, ...(e.hint ? { hint: e.hint } : {}) };
    return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

/** The reports of an answer, the ConfigError it carries, or undefined (lint in-process instead). */
export function reportsOf(answer: LintServerResponse | undefined): LintFileReport[] | undefined {
  if (answer?.kind === 'reports') return answer.reports;
  if (answer?.kind === 'config-error') throw new ConfigError(answer.problems, answer.hint ? { hint: answer.hint } : {});
  return undefined;
}
