import { z } from 'zod';

/** Secrets are never written in shardship.yaml: a field that needs one names the env var holding it. */
export const EnvVarName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, {
    message: 'must be the NAME of an environment variable (e.g. SHARD_N1_DSN), not the secret itself; put the value in the environment',
  })
  .describe('Name of an environment variable that holds the value (secrets never go in the file).');

export const Severity = z.enum(['error', 'warn', 'off']);
export type Severity = z.infer<typeof Severity>;

/** A rule's settings: a bare severity, or a severity with options. */
export const RuleSetting = z.union([
  Severity,
  z.strictObject({ severity: Severity.optional(), options: z.record(z.string(), z.unknown()).optional() }),
]);
export type RuleSetting = z.infer<typeof RuleSetting>;

/** The longest duration a config may give: timers hold at most ~24.8 days, and no step should wait longer than a week. */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;
const DURATION_RANGE = 'a duration from 0 to 168h (7 days): 500ms, 30s, 5m, 1h, or a number of seconds up to 604800';

/** Durations are written `30s`, `5m`, `1h`, `500ms`, or a number of seconds. */
export const Duration = z
  .union([
    z.number({ error: `must be ${DURATION_RANGE}` }).min(0, { error: `must be ${DURATION_RANGE}` }).max(MAX_DURATION_MS / 1000, { error: `must be ${DURATION_RANGE}` }),
    z
      .string()
      .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, { message: 'write a duration like 500ms, 30s, 5m or 1h' })
      .refine((d) => !/^\d+(\.\d+)?(ms|s|m|h)$/.test(d) || durationMs(d) <= MAX_DURATION_MS, { message: `must be ${DURATION_RANGE}` }),
  ], { error: `must be ${DURATION_RANGE}` })
  .describe('A duration: 500ms, 30s, 5m, 1h, or a number of seconds (at most 168h).');
export type Duration = z.infer<typeof Duration>;

export function durationMs(d: number | string): number {
  if (typeof d === 'number') return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  const n = Number(m[1]);
  const unit = m[2];
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
}

/**
 * A whole number in [min, max]. Every error names the range: YAML reads 1e400 as Infinity
 * and 1.5 as a float, and "expected number, received number" helps nobody.
 */
export function boundedInt(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).describe(`A whole number from ${min} to ${max}.`);
}

/** A number in [min, max]; every error names the range. */
export function boundedNumber(min: number, max: number) {
  const error = `must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error }).describe(`A number from ${min} to ${max}.`);
}
