// The `shardship` entry: parse flags, run one command, map errors to exit codes.
import { Command, CommanderError } from 'commander';
import { ExitCode, isShardshipError, formatProblem, ConfigError, UsageError } from '../core/errors.js';
import { processOutput, type Output } from '../core/output.js';
import { redact } from '../core/redact.js';
import type { CliContext } from './context.js';
import { loadCommands } from './commands/index.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { shardshipVersion } from '../core/package-root.js';

export interface MainOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output?: Output;
  stdin?: NodeJS.ReadableStream;
}

export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  const output = opts.output ?? processOutput(process.stdout, process.stderr, opts.env ?? process.env);
  const ctx: CliContext = {
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? process.env,
    output,
    stdin: opts.stdin ?? process.stdin,
    exitCode: ExitCode.Ok,
  };
  const debug = argv.includes('--debug');
  const program = new Command('shardship')
    .description('CI/CD pipeline and code-quality gate for Kubernetes services on sharded MySQL')
    .version(shardshipVersion(), '-V, --version', 'print the version')
    .option('--debug', 'show stack traces of unexpected errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => output.out(s.trimEnd()),
      writeErr: (s) => output.err(s.trimEnd()),
      outputError: (s, write) => write(output.paint.red(s.trimEnd())),
    })
    .showSuggestionAfterError(true);
  program.enablePositionalOptions(false);
  for (const register of await loadCommands(argv)) register(program, ctx);
  // Not a lazily loaded command: it needs every other command registered to describe them.
  program
    .command('completion')
    .description('print a shell completion script: eval "$(shardship completion bash)"')
    .argument('<shell>', SHELLS.join(' or '))
    .action((shell: string) => {
      if (!SHELLS.includes(shell as Shell)) throw new UsageError(`completion ${shell}: shardship completes ${SHELLS.join(' and ')}`);
      output.out(completionScript(program, shell as Shell).trimEnd());
    });
  for (const cmd of allCommands(program)) cmd.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    return reportError(e, output, debug);
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

export function reportError(e: unknown, output: Output, debug: boolean): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.Ok;
    return ExitCode.Usage;
  }
  if (e instanceof ConfigError) {
    for (const p of e.problems) output.err(output.paint.red('error ') + formatProblem(p));
    if (e.hint) output.err(`hint: ${e.hint}`);
    return e.exitCode;
  }
  if (isShardshipError(e)) {
    output.err(output.paint.red('error ') + e.message);
    if (e.hint) output.err(`hint: ${e.hint}`);
    if (debug && e.cause instanceof Error) output.err(e.cause.stack ?? e.cause.message);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  output.err(output.paint.red('internal error ') + redact(err.message));
  if (debug) output.err(redact(err.stack ?? ''));
  else output.err('run again with --debug for the stack trace, and report it');
  return ExitCode.CheckFailed;
}
