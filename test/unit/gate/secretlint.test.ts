// The secretlint adapter against what attackers control: file names (newlines crashed
// secretlint's profiler) and the number of files (its profiler made scanning quadratic).
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { scanText, secretlintConfig } from '../../../pipeline/gate/secretlint.js';

const TOKEN = 'xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn';

function unhandled<T>(run: () => Promise<T>): Promise<{ value: T; rejections: unknown[] }> {
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => void rejections.push(e);
  process.on('unhandledRejection', onRejection);
  return run()
    .then(async (value) => {
      // The profiler's failures surface a few microtasks after the scan resolves.
      await new Promise((r) => setTimeout(r, 50));
      return { value, rejections };
    })
    .finally(() => process.off('unhandledRejection', onRejection));
}

describe('scanText', () => {
  it('scans a file whose name holds a newline, and nothing rejects behind its back', async () => {
    const config = await secretlintConfig('/nonexistent-shardship-repo');
    const { value, rejections } = await unhandled(() => scanText(config, 'a\nb.txt', `const t = "${TOKEN}";`));
    expect(value.map((h) => h.match)).toEqual([TOKEN]);
    expect(rejections).toEqual([]);
  });

  it('leaves no performance marks behind: each scan costs the same, however many came before', async () => {
    const config = await secretlintConfig('/nonexistent-shardship-repo');
    const before = performance.getEntriesByType('mark').length;
    for (let i = 0; i < 200; i++) await scanText(config, `src/f${i}.ts`, `export const v${i} = ${i};`);
    // secretlint's profiler marks every rule of every file and searches all earlier marks on each one.
    expect(performance.getEntriesByType('mark').length - before).toBe(0);
  });
});
