// The import boundary in eslint.config.js, checked with the real ESLint and the repo's own
// config on real files: a stage importing an adapter or a vendor client fails lint; an adapter
// importing the port it implements, and the wiring importing adapters, do not.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const written: string[] = [];

async function lintProbe(folder: string, source: string): Promise<string[]> {
  // A real file in the folder under test (typed linting needs it on disk, in the tsconfig).
  const file = join(root, folder, `boundary-probe-${randomBytes(4).toString('hex')}.ts`);
  written.push(file);
  await writeFile(file, source);
  try {
    const [result] = await new ESLint({ cwd: root }).lintFiles([file]);
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  } finally {
    await rm(file, { force: true });
  }
}

afterAll(async () => {
  await Promise.all(written.map((f) => rm(f, { force: true })));
});

describe('import boundary', () => {
  it('fails a stage that imports an adapter', async () => {
    const messages = await lintProbe('pipeline/release', "import { connectCluster } from '../kube/client.js';\nexport const probe = connectCluster;\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/'\.\.\/kube\/client\.js'.*a stage never imports an adapter/);
  });

  it('fails a stage that imports a vendor client, statically or lazily', async () => {
    const messages = await lintProbe(
      'pipeline/migrate',
      "import { createPool } from 'mysql2/promise';\nexport const probe = createPool;\nexport const lazy = () => import('@kubernetes/client-node');\nexport const adapter = () => import('../mysql/pool.js');\n",
    );
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/'mysql2\/promise'.*vendor clients are imported only in their adapter folder/);
    expect(messages[1]).toMatch(/vendor clients are imported only in their adapter folder/);
    expect(messages[2]).toMatch(/a stage never imports an adapter, lazily or not/);
  });

  it('passes a stage importing core and its own ports, an adapter importing its port, and the wiring importing adapters', async () => {
    expect(await lintProbe('pipeline/release', "import type { Cluster } from '../core/cluster.js';\nimport type { MetricsSource } from './ports.js';\nexport type Probe = [Cluster, MetricsSource];\n")).toEqual([]);
    expect(await lintProbe('pipeline/prometheus', "import type { MetricsSource } from '../release/ports.js';\nexport type Probe = MetricsSource;\n")).toEqual([]);
    expect(await lintProbe('pipeline/cli', "import { connectCluster } from '../kube/client.js';\nexport const probe = connectCluster;\n")).toEqual([]);
  });
});
