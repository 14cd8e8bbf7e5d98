import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MigrateConfig } from '../../../pipeline/config/migrate.js';
import { CONFIG_HASH_ANNOTATION, DEFAULT_PROXY_IMAGE, renderProxyObjects } from '../../../pipeline/env/proxy.js';
import type { KubeObject } from '../../../pipeline/core/cluster.js';
import { exportShardingSphere, placementOf } from '../../../pipeline/migrate/shardingsphere-export.js';
import { importShardingSphere } from '../../../pipeline/migrate/shardingsphere.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { sampleTopology } from '../migrate/helpers.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function config() {
  const t = sampleTopology();
  const dataSources = Object.fromEntries(t.databases.map((d) => [d.database, { url: `jdbc:mysql://${d.node}.db:3306/${d.database}`, usernameEnv: 'SHARD_USER', passwordEnv: 'SHARD_PASSWORD' }]));
  return { topology: t, config: exportShardingSphere(t, { databaseName: 'loans', dataSources }) };
}

type Pod = { initContainers: { image: string; command: string[]; envFrom: unknown[] }[]; containers: { image: string; readinessProbe: { tcpSocket: { port: string } }; ports: { containerPort: number }[]; volumeMounts: { mountPath: string }[] }[] };

describe('renderProxyObjects', () => {
  it('a ConfigMap with the configuration, a Deployment whose pods get env from the Secret and a Service on 3307', () => {
    const { config: c } = config();
    const objs = renderProxyObjects({ namespace: 'pr-42', labels: { 'shardship.dev/environment': 'pr-42' }, config: c, credentialsSecret: 'db-credentials' });
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/shardingsphere-proxy-config', 'Deployment/shardingsphere-proxy', 'Service/shardingsphere-proxy']);
    for (const o of objs) {
      expect(o.metadata.namespace).toBe('pr-42');
      expect(o.metadata.labels).toMatchObject({ 'shardship.dev/environment': 'pr-42', 'app.kubernetes.io/managed-by': 'shardship' });
    }
    const [cm, deployment, service] = objs as [KubeObject & { data: Record<string, string> }, KubeObject & { spec: { template: { metadata: { annotations: Record<string, string> }; spec: Pod } } }, KubeObject & { spec: { ports: { port: number }[] } }];
    expect(Object.keys(cm.data)).toEqual(['global.yaml', 'database-sharding.yaml', 'resolve-placeholders.sh']);
    expect(cm.data['database-sharding.yaml']).toBe(c.databaseShardingYaml);
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0]!.image).toBe(DEFAULT_PROXY_IMAGE);
    expect(pod.initContainers[0]!.image).toBe(DEFAULT_PROXY_IMAGE);
    expect(pod.initContainers[0]!.envFrom).toEqual([{ secretRef: { name: 'db-credentials' } }]);
    expect(pod.containers[0]!.readinessProbe.tcpSocket.port).toBe('mysql');
    expect(pod.containers[0]!.ports[0]!.containerPort).toBe(3307);
    expect(pod.containers[0]!.volumeMounts.map((m) => m.mountPath)).toContain('/opt/shardingsphere-proxy/conf');
    expect(service.spec.ports[0]!.port).toBe(3307);
    expect(JSON.stringify(objs)).not.toMatch(/password: '[^$]/);
  });

  it('a new configuration changes the pod template (the proxy rolls), the same one does not', () => {
    const { config: c } = config();
    const hash = (yaml: string) => {
      const d = renderProxyObjects({ namespace: 'n', labels: {}, config: { ...c, databaseShardingYaml: yaml }, credentialsSecret: 's', image: 'registry.local/proxy:5.5.2' })[1] as KubeObject & { spec: { template: { metadata: { annotations: Record<string, string> } } } };
      return d.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    };
    expect(hash(c.databaseShardingYaml)).toBe(hash(c.databaseShardingYaml));
    expect(hash(c.databaseShardingYaml + '# changed\n')).not.toBe(hash(c.databaseShardingYaml));
  });

  it("the init container's script fills credentials from env with hostile values, and the result still imports to the same topology", async () => {
    const { topology, config: c } = config();
    const cm = renderProxyObjects({ namespace: 'n', labels: {}, config: c, credentialsSecret: 's' })[0] as KubeObject & { data: Record<string, string> };
    const from = await mkdtemp(join(tmpdir(), 'proxy-conf-'));
    const to = await mkdtemp(join(tmpdir(), 'proxy-resolved-'));
    dirs.push(from, to);
    for (const [name, text] of Object.entries(cm.data)) await writeFile(join(from, name), text);
    const password = `it's "quoted" \\ & $x %s #not-a-comment\t: - {}`;
    // Debian's /bin/sh is dash and its awk mawk, as in the proxy image (Ubuntu).
    for (const awk of ['mawk', 'gawk']) {
      const bin = await mkdtemp(join(tmpdir(), `proxy-${awk}-`));
      dirs.push(bin);
      await symlink(`/usr/bin/${awk}`, join(bin, 'awk'));
      const r = await run('sh', [join(from, 'resolve-placeholders.sh'), from, to], { env: { PATH: `${bin}:${process.env.PATH}`, SHARD_USER: 'app', SHARD_PASSWORD: password, SHARDSHIP_PROXY_PASSWORD: 'proxy-pw' } });
      expect(r.stdout).toContain('resolved 2 file(s)');
      expect(r.stdout + r.stderr).not.toContain(password);
      const resolved = await readFile(join(to, 'database-sharding.yaml'), 'utf8');
      const tags = ['SHARDING', 'BROADCAST', 'SINGLE'].map((n) => ({ tag: `!${n}`, collection: 'map' as const, resolve: (v: unknown) => v }));
      const doc = parse(resolved, { customTags: tags }) as { dataSources: Record<string, { username: string; password: string }> };
      for (const ds of Object.values(doc.dataSources)) expect(ds).toMatchObject({ username: 'app', password });
      expect(parse(await readFile(join(to, 'global.yaml'), 'utf8'))).toMatchObject({ authority: { users: [{ user: 'shardship@%', password: 'proxy-pw' }] } });
      const back = importShardingSphere('database-sharding.yaml', resolved, { environment: topology.environment });
      expect(placementOf(resolveTopology(MigrateConfig.parse({ environments: { [topology.environment]: back.topology } }), topology.environment))).toEqual(placementOf(topology));
    }
  });
});
