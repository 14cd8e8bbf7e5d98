// The gate stage's `findings-file` reader: a file `shardship gate --json` wrote becomes the
// stage's report; anything else (another schemaVersion, a different document) is a usage error
// naming the file, never a silent misread.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../pipeline/core/errors.js';
import { readGateJson } from '../../../pipeline/events/wire-gate.js';
import { jsonReport } from '../../../pipeline/gate/report/json.js';
import { removeDir, tempDir } from '../../support/service.js';

const dir = tempDir('wire-gate');
afterAll(() => removeDir(dir));

function file(name: string, data: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
  return path;
}

const written = jsonReport({
  passed: false,
  findings: [{ ruleId: 'diff/secrets', severity: 'error', message: 'possible secret', commit: 'a'.repeat(40), file: 'src/a.ts', line: 4, column: 15, fingerprint: 'f1' }],
  suppressed: 0,
  commits: 1,
  files: 1,
  subjects: ['refs/heads/main'],
  rules: [],
});

describe('readGateJson', () => {
  it('turns a `gate --json` file into the stage report', async () => {
    expect(await readGateJson(file('ok.json', written))).toEqual({
      range: 'refs/heads/main',
      passed: false,
      findings: [{ ruleId: 'diff/secrets', severity: 'error', message: 'possible secret', commit: 'a'.repeat(40), file: 'src/a.ts', line: 4, column: 15, hint: undefined, fingerprint: 'f1' }],
    });
  });

  it('refuses a file of a newer schemaVersion, naming it', async () => {
    const path = file('v2.json', { ...written, schemaVersion: 2 });
    await expect(readGateJson(path)).rejects.toThrow(UsageError);
    await expect(readGateJson(path)).rejects.toThrow(`${path} is a \`shardship gate --json\` result of schemaVersion 2, written by a newer shardship; this shardship reads schemaVersion 1`);
  });

  it('refuses other JSON and non-JSON, naming the file', async () => {
    const sarif = file('sarif.json', { version: '2.1.0', runs: [] });
    await expect(readGateJson(sarif)).rejects.toThrow(`${sarif} is not a \`shardship gate --json\` result: it has no schemaVersion`);
    const text = file('text.txt', 'gate failed  2 commits');
    await expect(readGateJson(text)).rejects.toThrow(new RegExp(`^cannot read the gate result ${text}: `));
  });
});
