// Flag values shared by several commands.
import { UsageError } from '../core/errors.js';

/** A duration flag (`--timeout 5m`, `--idle-timeout 90`): 500ms, 30s, 5m, 1h, or a number of seconds. */
export async function parseDurationFlag(flag: string, value: string): Promise<number> {
  // zod and the config schemas load only when a command takes a duration.
  const { durationMs, Duration } = await import('../config/common.js');
  const parsed = Duration.safeParse(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (!parsed.success) throw new UsageError(`--${flag} ${value}: write a duration like 500ms, 30s, 5m`);
  return durationMs(parsed.data);
}
