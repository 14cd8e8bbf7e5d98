// Property runs: a fixed seed and a bounded number of runs in `npm test` (CI), many more with
// a fresh seed under `npm run fuzz` (FUZZ_SCALE, FUZZ_SEED). A failure prints its seed and
// counterexample; each one found is kept as a regular test next to the property.
import type { Parameters } from 'fast-check';

const scale = Number(process.env.FUZZ_SCALE ?? 1);
const seed = process.env.FUZZ_SEED === undefined || process.env.FUZZ_SEED === '' ? 20261204 : process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED);

export function runs<T>(numRuns: number): Parameters<T> {
  return { seed, numRuns: Math.max(1, Math.round(numRuns * scale)), endOnFailure: true };
}

/** Strings with the characters that break parsers and terminals: quotes, brackets, escapes, control bytes, bidi. */
export const HOSTILE_CHARS = ['\\', '[', ']', '{', '}', '(', ')', '`', "'", '"', '#', '!', '*', '?', '$', '%', ':', ',', ';', '\n', '\r', '\t', '\u001b', '\u0000', '\u202e', '::', '/', '.', '-', ' ', 'a', 'Z', '0', '9', '&', '*a', '<<', '|'];
