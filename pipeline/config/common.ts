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

/** Durations are written `30s`, `5m`, `1h`, `500ms`, or a number of seconds. */
export const Duration = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, { message: 'write a duration like 500ms, 30s, 5m or 1h' })])
  .describe('A duration: 500ms, 30s, 5m, 1h, or a number of seconds.');
export type Duration = z.infer<typeof Duration>;

export function durationMs(d: Duration): number {
  if (typeof d === 'number') return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  const n = Number(m[1]);
  const unit = m[2];
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
}
