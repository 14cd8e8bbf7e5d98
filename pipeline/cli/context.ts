import type { Command } from 'commander';
import type { Output } from '../core/output.js';

/** What every command gets: where it runs, where it writes, and its environment. */
export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  output: Output;
  /** Standard input, for `gate --pre-receive`. */
  stdin: NodeJS.ReadableStream;
  /** Set by a command's action: the process exit code. */
  exitCode: number;
}

export type CommandModule = (program: Command, ctx: CliContext) => void;
