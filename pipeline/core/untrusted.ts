// Text that others chose (file names, commit messages, PR titles, rule messages quoting code)
// shown safely: on a terminal no escape sequence, line break or bidi override takes effect,
// and in a GitHub Actions log no workflow command starts.
import { randomBytes } from 'node:crypto';

// C0 controls, DEL, C1 controls (CSI, OSC...), the Arabic letter mark, LRM/RLM, line and
// paragraph separators, bidi embeddings/overrides (U+202A-E) and isolates (U+2066-9).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/** `s` with every control, line-breaking and bidi character shown as an escape (`\n`, `\e`, `\u202e`). */
export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/**
 * A token for `::stop-commands::TOKEN` ... `::TOKEN::`: between the two the Actions runner
 * runs no workflow command, whatever the printed text holds. Random, so no text can guess it.
 */
export function stopCommandsToken(): string {
  return `shardship-${randomBytes(16).toString('hex')}`;
}

/**
 * JSON text with `##[` broken up (`#\u0023[`, the same value once parsed): the runner reads the
 * old `##[command]` form anywhere in a line, and JSON.stringify leaves it as it is. A JSON line
 * never starts with `::` (strings are quoted, line breaks inside them escaped).
 */
export function workflowInertJson(json: string): string {
  return json.replace(/##\[/g, '#\\u0023[');
}
