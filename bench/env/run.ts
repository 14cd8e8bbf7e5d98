// bench:env: N environments (each: namespace + quota + Secret + proxy + app, 4 databases x 16
// t_order shards + a broadcast table, every migration, a small seed) built concurrently with
// upEnvironments on the real control plane and local MariaDB hosts, then all removed; vs a naive
// script doing the same one environment after another with the `mariadb` CLI and `kubectl apply`.
// Usage: npx tsx bench/env/run.ts [--count 100] [--naive-count 10]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EnvConfig } from '../../pipeline/config/env.js';
import { ReleaseConfig } from '../../pipeline/config/release.js';
import { ShardshipConfig } from '../../pipeline/config/schema.js';
import { downEnvironments } from '../../pipeline/env/down.js';
import { upEnvironments, type UpReport } from '../../pipeline/env/up.js';
import { connectCluster } from '../../pipeline/kube/client.js';
import { readMigrations } from '../../pipeline/migrate/migration-files.js';
import { resolveTopology } from '../../pipeline/migrate/topology.js';
import { createShardConnector } from '../../pipeline/mysql/pool.js';
import { loadTemplates } from '../../pipeline/release/render.js';
import { resolveSpec } from '../../pipeline/release/spec.js';
import { healthy, kubectlRun, readState, sharedControlPlane, stopSharedControlPlane } from '../../test/support/cluster/control-plane.js';
import { rootQuery, startShardNodes } from '../../test/support/mariadb.js';
import { removeDir, tempDir } from '../../test/support/service.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const COUNT = arg('count', 100);
const NAIVE = arg('naive-count', Math.min(COUNT, 10));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

const TOPOLOGY = `version: 1
migrate:
  environments:
    prod:
      nodes: { n1: { dsnEnv: N1 }, n2: { dsnEnv: N2 } }
      databases: { loan_0: n1, loan_1: n1, loan_2: n2, loan_3: n2 }
      tables:
        t_order: { kind: sharded, actualDataNodes: 'loan_\${0..3}.t_order_\${0..15}', databaseStrategy: { shardingColumn: user_id, algorithmExpression: 'loan_\${user_id % 4}' }, tableStrategy: { shardingColumn: user_id, algorithmExpression: 't_order_\${user_id.intdiv(4) % 16}' } }
        t_config: { kind: broadcast }
`;

async function main(): Promise<void> {
  const dir = tempDir('bench-env');
  // A control plane this bench starts is stopped at the end; one already running is left as it was.
  const before = readState();
  const wasRunning = before ? await healthy(before) : false;
  const [plane, nodes] = await Promise.all([sharedControlPlane(), startShardNodes(2)]);
  for (const n of nodes.nodes) await rootQuery(n, "GRANT ALL PRIVILEGES ON *.* TO 'shardship'@'127.0.0.1' WITH GRANT OPTION");
  const topology = resolveTopology(ShardshipConfig.parse(parse(TOPOLOGY)).migrate!, 'prod');
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'migrations', 'V1__tables.sql'), 'CREATE TABLE t_order (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount INT NOT NULL);\nCREATE TABLE t_config (k VARCHAR(32) NOT NULL PRIMARY KEY, v VARCHAR(64));\n');
  writeFileSync(join(dir, 'migrations', 'V2__status.sql'), 'ALTER TABLE t_order ADD COLUMN status VARCHAR(16) NULL;\n');
  const seedRows = Array.from({ length: 32 }, (_, i) => `(${i + 1}, ${i}, ${i * 10})`).join(', ');
  const shards = createShardConnector({ environment: 'prod', nodes: { n1: { dsnEnv: 'N1' }, n2: { dsnEnv: 'N2' } }, env: { N1: nodes.nodes[0]!.dsn, N2: nodes.nodes[1]!.dsn }, nodeConcurrency: 8 });
  const cluster = connectCluster({ kubeconfigPath: plane.kubeconfigPath });
  const config = EnvConfig.parse({ namespacePrefix: 'bench-', databasePrefix: 'b_', concurrency: 16, maxEnvironments: 10_000 });
  const release = ReleaseConfig.parse({ namespace: 'loans', apps: { 'loan-service': { port: 8080, replicas: 1, router: { service: {} } } } });
  const names = Array.from({ length: COUNT }, (_, i) => `c${i + 1}`);
  try {
    const up = await upEnvironments(
      names.map((name) => ({ name, owner: 'bench', ttlMs: 3_600_000, image: 'registry.local/loan-service:1' })),
      {
        cluster,
        shards,
        topology,
        config,
        migrations: await readMigrations(join(dir, 'migrations')),
        executor: { concurrency: 8, nodeConcurrency: 8, lockWaitTimeout: '5s', lockRetries: 1, allowCopyAlter: false },
        seed: [{ file: 'seed.sql', text: `INSERT INTO t_order (id, user_id, amount) VALUES ${seedRows};\nINSERT INTO t_config (k, v) VALUES ('a', 'b');\n` }],
        apps: [{ spec: resolveSpec(release, 'loan-service'), templates: await loadTemplates() }],
        addresses: { n1: { host: '127.0.0.1', port: nodes.nodes[0]!.port }, n2: { host: '127.0.0.1', port: nodes.nodes[1]!.port } },
        appliedBy: 'bench',
        readyTimeoutMs: 0,
      },
    );
    const ok = up.environments.filter((e): e is UpReport => 'namespace' in e && e.exitCode === 0);
    const times = ok.map((e) => e.durationMs);
    const downStarted = Date.now();
    const down = await downEnvironments(names, { cluster, shards: () => Promise.resolve(shards), config, namespaceTimeoutMs: 120_000 });
    const downMs = Date.now() - downStarted;
    const left = ((await rootQuery(nodes.nodes[0]!, "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'b\\_%'")) as { n: number }[])[0]!.n;

    // The naive script: one environment after another, mariadb CLI + kubectl apply.
    const naiveStarted = Date.now();
    for (let i = 0; i < NAIVE; i++) {
      const ns = `naive-${i}`;
      const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'proxy', namespace: ns }, data: { a: 'b' } }] });
      await kubectlRun(plane, ['apply', '-f', '-'], manifest);
      for (const [n, node] of nodes.nodes.entries()) {
        const sql: string[] = [];
        for (const d of [n * 2, n * 2 + 1]) {
          const db = `naive_${i}__loan_${d}`;
          sql.push(`CREATE DATABASE ${db}`);
          for (let t = 0; t < 16; t++) sql.push(`CREATE TABLE ${db}.t_order_${t} (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount INT NOT NULL)`, `ALTER TABLE ${db}.t_order_${t} ADD COLUMN status VARCHAR(16) NULL`);
          sql.push(`CREATE TABLE ${db}.t_config (k VARCHAR(32) NOT NULL PRIMARY KEY, v VARCHAR(64))`);
        }
        execFileSync('mariadb', ['-h', '127.0.0.1', '-P', String(node.port), '-u', 'root', '-e', sql.join(';\n')]);
      }
    }
    const naiveMs = (Date.now() - naiveStarted) / NAIVE;
    for (let i = 0; i < NAIVE; i++) {
      await kubectlRun(plane, ['delete', 'namespace', `naive-${i}`, '--wait=false']);
      for (const [n, node] of nodes.nodes.entries()) execFileSync('mariadb', ['-h', '127.0.0.1', '-P', String(node.port), '-u', 'root', '-e', [n * 2, n * 2 + 1].map((d) => `DROP DATABASE naive_${i}__loan_${d}`).join(';')]);
    }

    const avg = (k: 'apiRequests' | 'sqlStatements') => Math.round(ok.reduce((s, e) => s + e[k], 0) / Math.max(1, ok.length));
    console.log(`environments ready     ${ok.length}/${COUNT}`);
    console.log(`wall for ${COUNT}          ${(up.durationMs / 1000).toFixed(1)} s`);
    console.log(`per environment        p50 ${(pct(times, 50) / 1000).toFixed(1)} s  p95 ${(pct(times, 95) / 1000).toFixed(1)} s`);
    console.log(`API requests / env     ${avg('apiRequests')}`);
    console.log(`SQL statements / env   ${avg('sqlStatements')}`);
    console.log(`down of ${COUNT}           ${(downMs / 1000).toFixed(1)} s (exit ${down.exitCode}; databases left: ${left})`);
    console.log(`naive script           ${(naiveMs / 1000).toFixed(2)} s per environment (${NAIVE} run) -> ${((naiveMs * COUNT) / 1000).toFixed(1)} s for ${COUNT}; shardship ${((naiveMs * COUNT) / up.durationMs).toFixed(1)}x faster`);
  } finally {
    await shards.end();
    await nodes.stopAll();
    removeDir(dir);
    if (!wasRunning) await stopSharedControlPlane();
  }
}

await main();
