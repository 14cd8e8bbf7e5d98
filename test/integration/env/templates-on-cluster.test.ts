// The env stage's templates (deploy-templates/shardingsphere-proxy, deploy-templates/mysql-shard)
// rendered from real topologies and applied by kubectl of the API server's own version with
// strict server-side field validation, then for real: the objects exist as rendered. KWOK pods
// run no containers, so nothing here starts ShardingSphere or MySQL (docs/environments-proxy.md).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { renderShardHostObjects } from '../../../pipeline/env/mysql-shard.js';
import { renderProxyObjects } from '../../../pipeline/env/proxy.js';
import type { KubeObject } from '../../../pipeline/core/cluster.js';
import { exportShardingSphere } from '../../../pipeline/migrate/shardingsphere-export.js';
import { kubectlRun } from '../../support/cluster/control-plane.js';
import { useTestNamespace } from '../../support/cluster/namespace.js';
import { removeDir, tempDir } from '../../support/service.js';
import { topologyYaml } from '../../support/shards.js';
import { sampleTopology } from '../../unit/migrate/helpers.js';

const ns = useTestNamespace('envtpl');
let dir: string;
beforeAll(() => {
  dir = tempDir('env-templates');
});
afterAll(() => removeDir(dir));

async function apply(objs: KubeObject[], dryRun: boolean): Promise<string> {
  const docs = objs.map((o) => stringify(o)).join('---\n');
  const r = await kubectlRun(ns.plane, ['apply', '--server-side', '--validate=strict', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], docs);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('env templates on the real API server (strict field validation)', () => {
  it('deploy-templates/shardingsphere-proxy: ConfigMap, Deployment and Service of an exported topology', async () => {
    const t = sampleTopology();
    const dataSources = Object.fromEntries(t.databases.map((d) => [d.database, { url: `jdbc:mysql://127.0.0.1:3306/${d.database}`, usernameEnv: 'SHARD_USER', passwordEnv: 'SHARD_PASSWORD' }]));
    const config = exportShardingSphere(t, { databaseName: 'loans', dataSources });
    const objs = renderProxyObjects({ namespace: ns.name, labels: { 'shardship.dev/environment': 'pr-42' }, config, credentialsSecret: 'db-credentials' });
    const out = await apply(objs, false);
    expect(out).toMatch(/configmap\/shardingsphere-proxy-config serverside-applied/);
    expect(out).toMatch(/deployment\.apps\/shardingsphere-proxy serverside-applied/);
    expect(out).toMatch(/service\/shardingsphere-proxy serverside-applied/);
    // What the API server stored is what was rendered: the configuration, byte for byte.
    const stored = JSON.parse(await ns.kubectl(['get', 'configmap', 'shardingsphere-proxy-config', '-n', ns.name, '-o', 'json'])) as { data: Record<string, string> };
    expect(stored.data['database-sharding.yaml']).toBe(config.databaseShardingYaml);
    expect(stored.data['global.yaml']).toBe(config.globalYaml);
  });

  it('deploy-templates/mysql-shard: `shardship env render-shards` output, ephemeral and long-lived', async () => {
    writeFileSync(join(dir, 'shardship.yaml'), topologyYaml({ environment: 'prod' }));
    for (const ephemeral of [true, false]) {
      const output = memoryOutput();
      const code = await main(['env', 'render-shards', '--env', 'prod', '--namespace', ns.name, '--storage', '1Gi', ...(ephemeral ? ['--ephemeral'] : [])], { cwd: dir, output, env: { ...process.env } });
      expect(output.stderr.join('\n')).toBe('');
      expect(code).toBe(0);
      const file = join(dir, `shards-${ephemeral}.yaml`);
      writeFileSync(file, output.stdout.join('\n'));
      const r = await kubectlRun(ns.plane, ['apply', '--server-side', '--validate=strict', '--dry-run=server', '-f', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/statefulset\.apps\/mysql-n1 serverside-applied \(server dry run\)/);
      expect(r.stdout).toMatch(/service\/mysql-n2 serverside-applied \(server dry run\)/);
    }
    // Applied for real: the API server keeps the retention policy and the headless Service's flags.
    const objs = renderShardHostObjects({ topology: sampleTopology(), namespace: ns.name, labels: {}, rootPassword: { secret: 'mysql-root', key: 'password' }, ephemeral: true });
    await apply(objs, false);
    const sts = JSON.parse(await ns.kubectl(['get', 'statefulset', 'mysql-n1', '-n', ns.name, '-o', 'json'])) as { spec: { persistentVolumeClaimRetentionPolicy: unknown } };
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Delete' });
    const svc = JSON.parse(await ns.kubectl(['get', 'service', 'mysql-n1', '-n', ns.name, '-o', 'json'])) as { spec: { clusterIP: string; publishNotReadyAddresses: boolean } };
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });
});
