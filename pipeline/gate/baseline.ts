// The baseline grandfathers findings that exist today (`gate --write-baseline`): later runs
// suppress any finding whose fingerprint is listed. The file is meant to be committed.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { Finding } from './types.js';

export const BaselineFile = z.object({
  schemaVersion: z.literal(1),
  findings: z.array(z.object({ fingerprint: z.string(), ruleId: z.string(), file: z.string().optional() })),
});
export type BaselineFile = z.infer<typeof BaselineFile>;

export function parseBaseline(shown: string, text: string): Set<string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([{ path: '', message: `${shown} is not valid JSON: ${(e as Error).message}`, hint: 'regenerate it with `shardship gate --write-baseline`' }], { cause: e });
  }
  const parsed = BaselineFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError([{ path: issue?.path.join('.') ?? '', message: `${shown}: ${issue?.message ?? 'invalid baseline'}`, hint: 'regenerate it with `shardship gate --write-baseline`' }]);
  }
  return new Set(parsed.data.findings.map((f) => f.fingerprint));
}

export async function readBaselineFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function baselineOf(findings: Finding[]): BaselineFile {
  const rows = findings
    .filter((f) => f.fingerprint)
    .map((f) => ({ fingerprint: f.fingerprint!, ruleId: f.ruleId, ...(f.file ? { file: f.file } : {}) }))
    .sort((a, b) => a.ruleId.localeCompare(b.ruleId) || (a.file ?? '').localeCompare(b.file ?? '') || a.fingerprint.localeCompare(b.fingerprint));
  return { schemaVersion: 1, findings: rows };
}

export async function writeBaselineFile(path: string, findings: Finding[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(baselineOf(findings), null, 2) + '\n');
}
