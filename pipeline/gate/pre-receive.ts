// git's pre-receive protocol: one `<old-sha> <new-sha> <ref>` line per pushed ref on stdin.
import { UsageError } from '../core/errors.js';

export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

const LINE = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (\S.*)$/;

export function parseRefUpdates(text: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = LINE.exec(line);
    if (!m) {
      throw new UsageError(`pre-receive input line ${i + 1} is not "<old-sha> <new-sha> <ref>": ${JSON.stringify(line.slice(0, 120))}`, {
        hint: 'gate --pre-receive reads what git passes to a pre-receive hook on stdin',
      });
    }
    updates.push({ oldSha: m[1]!, newSha: m[2]!, ref: m[3]! });
  }
  return updates;
}
