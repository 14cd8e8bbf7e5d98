// One small typed error family. Adapters translate vendor errors into these once, with
// `cause`; the CLI maps them to exit codes (docs/architecture.md: 0 ok, 1 check failed, 2 usage or
// config, 3 paused, 4 timed out).

export const ExitCode = {
  Ok: 0,
  CheckFailed: 1,
  Usage: 2,
  Paused: 3,
  TimedOut: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export abstract class ShardshipError extends Error {
  abstract readonly exitCode: ExitCode;
  /** How to fix it, for people. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** The user asked for something that cannot be done as asked (bad flag, missing rev...). */
export class UsageError extends ShardshipError {
  readonly exitCode = ExitCode.Usage;
}

export interface ConfigProblem {
  position?: SourcePosition;
  /** Dotted path inside the document, e.g. `migrate.environments.prod.nodes.n1.dsnEnv`. */
  path: string;
  message: string;
  hint?: string;
}

/** A config file (shardship.yaml, a topology, a migration) is wrong; every problem is listed. */
export class ConfigError extends UsageError {
  constructor(
    readonly problems: ConfigProblem[],
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(problems.map(formatProblem).join('\n'), options);
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.position ? `${p.position.file}:${p.position.line}:${p.position.column}: ` : '';
  const path = p.path ? `${p.path}: ` : '';
  return `${where}${path}${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

/** A check ran and failed: findings, drift, failed shards, aborted release. */
export class CheckFailedError extends ShardshipError {
  readonly exitCode = ExitCode.CheckFailed;
}

/** A service the command needs (git, Docker, MySQL, Kubernetes, GitHub) did not answer or refused. */
export class ServiceError extends ShardshipError {
  readonly exitCode = ExitCode.CheckFailed;
  constructor(
    readonly service: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(`${service}: ${message}`, options);
  }
}

export class TimedOutError extends ShardshipError {
  readonly exitCode = ExitCode.TimedOut;
}

export function isShardshipError(e: unknown): e is ShardshipError {
  return e instanceof ShardshipError;
}
