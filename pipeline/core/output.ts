// Output for people and machines. Text is coloured only on a TTY without NO_COLOR; every
// line goes through `redact` so that no secret is printed.
import pc from 'picocolors';
import { redact } from './redact.js';
import { workflowInertJson } from './untrusted.js';

export interface Output {
  readonly isTTY: boolean;
  readonly color: boolean;
  out(line: string): void;
  err(line: string): void;
  json(value: unknown): void;
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
const coloured: Painter = { red: pc.red, green: pc.green, yellow: pc.yellow, dim: pc.dim, bold: pc.bold, cyan: pc.cyan };

export function processOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const isTTY = Boolean(stdout.isTTY) && !process.env.CI;
  const color = isTTY && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
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
