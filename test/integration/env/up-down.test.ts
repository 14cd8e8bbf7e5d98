// env up/down/list/gc on real MariaDB nodes and the real control plane: what up creates (namespace,
// quota, Secret, proxy, apps, migrated + verified + seeded databases), what down removes, and the
// faults: a node dying mid-up, concurrent ups, refusals before anything exists, an API failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvConfig } from '../../../pipeline/config/env.js';
import { ReleaseConfig } from '../../../pipeline/config/release.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { UsageError } from '../../../pipeline/core/errors.js';
import { downEnvironment, gcEnvironments } from '../../../pipeline/env/down.js';
import { listEnvironments } from '../../../pipeline/env/list.js';
import { upEnvironment, type UpOptions } from '../../../pipeline/env/up.js';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { readMigrations } from '../../../pipeline/migrate/migration-files.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { createShardConnector } from '../../../pipeline/mysql/pool.js';
import type { ShardConnector } from '../../../pipeline/core/shards.js';
import { loadTemplates } from '../../../pipeline/release/render.js';
import { resolveSpec } from '../../../pipeline/release/spec.js';
import { kubectlRun, sharedControlPlane, type ControlPlane } from '../../support/cluster/control-plane.js';
import { startFaultProxy, type FaultProxy } from '../../support/cluster/fault-proxy.js';
import { rootQuery, startShardNodes, type ShardNodes } from '../../support/mariadb.js';
import { removeDir, tempDir } from '../../support/service.js';
import { topologyYaml } from '../../support/shards.js';

const dir = tempDir('env-up');
const PREFIX = `e${process.pid % 100000}-`;
let plane: ControlPlane;
let nodes: ShardNodes;
let shards: ShardConnector;
let base: Omit<UpOptions, 'cluster'> & { cluster: ReturnType<typeof connectCluster> };

const topology = resolveTopology(ShardshipConfig.parse(parse(topologyYaml({ tables: ['t_order', 't_config', 't_audit'], environmentKeys: ['capacityBytes: 1048576'] }))).migrate!, 'prod');
const config = EnvConfig.parse({ namespacePrefix: PREFIX, databasePrefix: `e${process.pid % 100000}_` });

beforeAll(async () => {
  [plane, nodes] = await Promise.all([sharedControlPlane(), startShardNodes(2)]);
  // env up grants each environment's databases to its own user: the node's user needs GRANT OPTION (docs/environments.md).
  for (const n of nodes.nodes) await rootQuery(n, "GRANT ALL PRIVILEGES ON *.* TO 'shardship'@'127.0.0.1' WITH GRANT OPTION");
  const env = { SHARD_N1_DSN: nodes.nodes[0]!.dsn, SHARD_N2_DSN: nodes.nodes[1]!.dsn };
  shards = createShardConnector({ environment: 'prod', nodes: { n1: { dsnEnv: 'SHARD_N1_DSN' }, n2: { dsnEnv: 'SHARD_N2_DSN' } }, env, nodeConcurrency: 4, connectTimeoutMs: 1000 });
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(
    join(dir, 'migrations', 'V1__tables.sql'),
    'CREATE TABLE t_order (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount INT NOT NULL);\nCREATE TABLE t_config (k VARCHAR(32) NOT NULL PRIMARY KEY, v VARCHAR(64) NULL);\nCREATE TABLE t_audit (id INT NOT NULL PRIMARY KEY);\n',
  );
  writeFileSync(join(dir, 'migrations', 'V2__status.sql'), 'ALTER TABLE t_order ADD COLUMN status VARCHAR(16) NULL;\n');
  const release = ReleaseConfig.parse({ namespace: 'loans', apps: { loans: { port: 8080, replicas: 3, router: { service: {} } } } });
  base = {
    cluster: connectCluster({ kubeconfigPath: plane.kubeconfigPath }),
    shards,
    topology,
    config,
    migrations: await readMigrations(join(dir, 'migrations')),
    executor: { concurrency: 8, nodeConcurrency: 4, lockWaitTimeout: '5s', lockRetries: 1, allowCopyAlter: false },
    seed: [{ file: 'seed/t_order.sql', text: 'INSERT INTO t_order (id, user_id, amount) VALUES (1, 0, 10), (2, 5, 20), (3, 6, 30);\n' }],
    apps: [{ spec: resolveSpec(release, 'loans'), templates: await loadTemplates() }],
    addresses: { n1: { host: '127.0.0.1', port: nodes.nodes[0]!.port }, n2: { host: '127.0.0.1', port: nodes.nodes[1]!.port } },
    appliedBy: 'test-runner',
    readyTimeoutMs: 60_000,
  };
}, 300_000);
afterAll(async () => {
  await shards?.end();
  await nodes?.stopAll();
  removeDir(dir);
});

const request = (name: string, extra: Record<string, unknown> = {}) => ({ name, owner: 'alice', ttlMs: 3_600_000, image: 'registry.local/loans:1', ...extra });
const kubectl = async (args: string[]) => (await kubectlRun(plane, args)).stdout;
const databasesOn = async (i: number, like: string) => ((await rootQuery(nodes.nodes[i]!, 'SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1', [like])) as { s: string }[]).map((r) => r.s);
const downOpts = () => ({ cluster: base.cluster, shards: () => Promise.resolve(shards), config, namespaceTimeoutMs: 0 });

describe('env up and down', () => {
  it('up creates the namespace, quota, Secret, proxy and apps, and migrated, verified, seeded databases; down removes exactly that', async () => {
    const r = await upEnvironment(request('PR-1', { pr: 1 }), base);
    expect(r.missing).toEqual([]);
    expect(r).toMatchObject({ status: 'ready', exitCode: 0, namespace: `${PREFIX}pr-1` });
    const ns = JSON.parse(await kubectl(['get', 'namespace', r.namespace, '-o', 'json'])) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
    expect(ns.metadata.labels['shardship.dev/environment']).toBe(r.namespace);
    expect(ns.metadata.annotations).toMatchObject({ 'shardship.dev/owner': 'alice', 'shardship.dev/pull-request': '1' });
    const kinds = await kubectl(['get', 'resourcequota,secret,configmap,deployment,service', '-n', r.namespace, '-o', 'name']);
    for (const o of ['resourcequota/shardship-environment', 'secret/shardship-database', 'deployment.apps/shardingsphere-proxy', 'deployment.apps/loans-stable', 'service/loans']) expect(kinds).toContain(o);
    const db = `${config.databasePrefix}pr_1__`;
    expect(await databasesOn(0, `${db}%`)).toEqual([`${db}loan_0`, `${db}loan_1`]);
    expect(await databasesOn(1, `${db}%`)).toEqual([`${db}loan_2`, `${db}loan_3`]);
    const history = (await rootQuery(nodes.nodes[1]!, `SELECT version FROM ${db}loan_3.shardship_schema_history ORDER BY version`)) as { version: string }[];
    expect(history.map((h) => h.version)).toEqual(['1', '2']);
    // user_id 6 -> loan_2.t_order_1 (the seed routed by the shard key)
    expect(await rootQuery(nodes.nodes[1]!, `SELECT id, status FROM ${db}loan_2.t_order_1`)).toEqual([{ id: 3, status: null }]);
    const listed = await listEnvironments({ cluster: base.cluster, shards: () => Promise.resolve(shards), capBytes: () => 1048576 });
    expect(listed.environments.find((e) => e.name === 'PR-1')).toMatchObject({ pr: 1, owner: 'alice', image: 'registry.local/loans:1', status: 'ready', databases: 4, capBytes: 1048576, bytes: expect.any(Number) });

    const down = await downEnvironment('PR-1', downOpts());
    expect(down).toMatchObject({ existed: true, exitCode: 0, removed: { namespace: true, record: true } });
    expect(await databasesOn(0, `${db}%`)).toEqual([]);
    expect(await databasesOn(1, `${db}%`)).toEqual([]);
    expect(await kubectl(['get', 'configmap', '-n', 'shardship-environments', r.namespace, '--ignore-not-found', '-o', 'name'])).toBe('');
    // Idempotent, and an unknown environment is nothing to remove.
    expect(await downEnvironment('PR-1', downOpts())).toMatchObject({ existed: false, exitCode: 0 });
    expect(await downEnvironment('never-was', downOpts())).toMatchObject({ existed: false, exitCode: 0 });
  }, 180_000);

  it('a node dying during up: the other node finishes, the report names what is missing, a second up completes only the rest', async () => {
    const n2 = nodes.nodes[1]!;
    const first = await upEnvironment(request('halfway'), { ...base, readyTimeoutMs: 0, log: () => void n2.stop('SIGKILL') });
    expect(first.exitCode).toBe(1);
    expect(first.status).toBe('incomplete');
    expect(first.missing.join('\n')).toMatch(/node n2/);
    expect(first.databases.filter((d) => d.state === 'ready').map((d) => d.source)).toEqual(['loan_0', 'loan_1']);
    expect(first.databases.filter((d) => d.state === 'failed').map((d) => d.source)).toEqual(['loan_2', 'loan_3']);
    await n2.start();
    const second = await upEnvironment(request('halfway'), { ...base, readyTimeoutMs: 0 });
    expect(second.missing).toEqual([]);
    expect(second.status).toBe('ready');
    // Only n2's databases ran migrations: 9 statements each (4 t_order shards created and altered, t_config created).
    expect(second.statementsRun).toBe(18);
    expect(second.seedStatements).toBe(1);
    expect((await downEnvironment('halfway', downOpts())).exitCode).toBe(0);
  }, 180_000);

  it('two concurrent ups of one name: one builds it, the other says who holds it', async () => {
    const results = await Promise.allSettled([upEnvironment(request('race'), { ...base, readyTimeoutMs: 0, appliedBy: 'runner-a' }), upEnvironment(request('race'), { ...base, readyTimeoutMs: 0, appliedBy: 'runner-b' })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(String(lost[0]!.reason)).toMatch(/environment race is held by runner-[ab] since \d{4}-/);
    expect((await downEnvironment('race', downOpts())).exitCode).toBe(0);
  }, 180_000);

  it('refused before anything is created: a 64-char database name, the host capacity cap', async () => {
    const long = 'n'.repeat(55);
    await expect(upEnvironment(request(long), base)).rejects.toThrow(UsageError);
    await expect(upEnvironment(request('capped'), { ...base, config: { ...config, hostCapacityBytes: 1024 } })).rejects.toThrow(/over env\.hostCapacityBytes/);
    for (const ns of [`${PREFIX}${long}`, `${PREFIX}capped`]) {
      expect(await kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'name'])).toBe('');
      expect(await kubectl(['get', 'configmap', '-n', 'shardship-environments', ns, '--ignore-not-found', '-o', 'name'])).toBe('');
    }
    expect(await databasesOn(0, `${config.databasePrefix}capped%`)).toEqual([]);
  }, 60_000);

  it('gc removes only expired environments, and an API failure removes nothing', async () => {
    await upEnvironment(request('short', { ttlMs: 60_000 }), { ...base, readyTimeoutMs: 0 });
    await upEnvironment(request('long'), { ...base, readyTimeoutMs: 0 });
    mkdirSync(join(dir, 'fault'));
    const proxy: FaultProxy = await startFaultProxy(plane, join(dir, 'fault'));
    try {
      proxy.apiError({ status: 503, count: 1000, verb: 'list', pathIncludes: 'configmaps' });
      const failing = connectCluster({ kubeconfigPath: proxy.kubeconfigPath, retries: 1, backoffMs: 10 });
      const later = () => new Date(Date.now() + 24 * 3_600_000);
      await expect(gcEnvironments({ ...downOpts(), cluster: failing, now: later })).rejects.toThrow(/503|API server error/);
      expect(await databasesOn(0, `${config.databasePrefix}short__%`)).toHaveLength(2);
    } finally {
      await proxy.stop();
    }
    const gc = await gcEnvironments({ ...downOpts(), now: () => new Date(Date.now() + 10 * 60_000) });
    expect(gc.removed.map((r) => r.name)).toEqual(['short']);
    expect(gc.kept.map((k) => k.name)).toContain('long');
    expect(await databasesOn(0, `${config.databasePrefix}short__%`)).toEqual([]);
    expect(await databasesOn(0, `${config.databasePrefix}long__%`)).toEqual([`${config.databasePrefix}long__loan_0`, `${config.databasePrefix}long__loan_1`]);
    expect((await downEnvironment('long', downOpts())).exitCode).toBe(0);
  }, 180_000);
});
