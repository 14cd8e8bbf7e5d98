// Output for people and machines. Text is coloured on a TTY unless NO_COLOR, or anywhere with
// FORCE_COLOR (no-color.org, and Node's own precedence: FORCE_COLOR wins); every line goes
// through `redact` so that no secret is printed.
import pc from 'picocolors';
import { redact } from './redact.js';
import { workflowInertJson } from './untrusted.js';

/**
 * The version of every command's `--json` shape (docs/cli.md). Bump it on an incompatible
 * change to any of them; adding fields is compatible.
 */
export const JSON_SCHEMA_VERSION = 1;

/** A `--json` document: every one says which shape it is. */
export interface Versioned {
  schemaVersion: number;
}

/** `value` as a `--json` document. */
export function versioned<T extends object>(value: T): { schemaVersion: number } & T {
  return { schemaVersion: JSON_SCHEMA_VERSION, ...value };
}

export interface Output {
  readonly isTTY: boolean;
  readonly color: boolean;
  out(line: string): void;
  err(line: string): void;
  /** A command's `--json` result; the type makes every one carry its schemaVersion. */
  json(value: Versioned): void;
  paint: Painter;
}

export interface Painter {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
}

const plain: Painter = { red: (s) => s, green: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s, cyan: (s) => s };
// Built with colours on: picocolors' own detection (at import, from process.env) is not ours.
const pcOn = pc.createColors(true);
const coloured: Painter = { red: pcOn.red, green: pcOn.green, yellow: pcOn.yellow, dim: pcOn.dim, bold: pcOn.bold, cyan: pcOn.cyan };

/** Whether to colour: FORCE_COLOR (any value but 0/false) beats NO_COLOR (any non-empty value) beats the TTY. */
export function colorWanted(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

export function processOutput(
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Output {
  const isTTY = Boolean(stdout.isTTY) && !env.CI;
  const color = colorWanted(env, isTTY);
  return {
    isTTY,
    color,
    out: (line) => stdout.write(redact(line) + '\n'),
    err: (line) => stderr.write(redact(line) + '\n'),
    json: (value) => stdout.write(workflowInertJson(redact(JSON.stringify(value, null, 2))) + '\n'),
    paint: color ? coloured : plain,
  };
}

/** Collects output in memory: for tests and for composing reports. */
export function memoryOutput(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    isTTY: false,
    color: false,
    stdout,
    stderr,
    out: (line) => void stdout.push(redact(line)),
    err: (line) => void stderr.push(redact(line)),
    json: (value) => void stdout.push(workflowInertJson(redact(JSON.stringify(value, null, 2)))),
    paint: plain,
  };
}
