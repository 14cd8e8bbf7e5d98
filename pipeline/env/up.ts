// `env up`: plan (pure, refuses before anything exists), take the record (the lock), then
// create what the record lists: namespace, quota, Secret; on every node the user and the
// databases; every migration through the migrate stage's executor (same history table);
// verify on every physical table; the seed; the proxy and the apps. A step that fails on one
// node or object does not stop the others: the record says what is missing, the command exits
// 1 naming it, and the next `up` does only the rest (histories, IF NOT EXISTS, seed markers).
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { EnvConfig } from '../config/env.js';
import type { MigrateConfig } from '../config/migrate.js';
import { ShardshipError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { KubeObject } from '../core/cluster.js';
import { applyMigrations, type ExecutorConfig } from '../migrate/apply.js';
import type { MigrationFile } from '../migrate/migration-files.js';
import { buildPlan } from '../migrate/plan.js';
import type { Topology } from '../migrate/topology.js';
import { copiesFromTopology, verifySchemas } from '../migrate/verify.js';
import { applyObject } from './apply-objects.js';
import { countingCluster, countingShards, type Counts } from './counting.js';
import { prepareNode, seedDatabase } from './databases.js';
import { acquireRecord } from './lock.js';
import { renderMesh } from './mesh.js';
import { renderApps, renderCredentials, renderNamespace, renderQuota, type AppDeploy } from './objects.js';
import { environmentTopology, initialRecord, planEnvironment, type EnvironmentPlan } from './plan.js';
import type { EnvironmentCluster, EnvironmentShards, NodeAddress } from './ports.js';
import { ensureRecordNamespace, readRecords } from './records.js';
import type { EnvironmentDatabase, EnvironmentRecord, EnvironmentStatus } from './record.js';
import { planSeed, type SeedFile } from './seed.js';
import { waitForDeployments } from './ready.js';

export interface EnvironmentPorts {
  cluster: EnvironmentCluster;
  shards: EnvironmentShards;
}

export interface UpOptions extends EnvironmentPorts {
  /** The source topology (migrate.environments.<from>). */
  topology: Topology;
  config: EnvConfig;
  migrations: readonly MigrationFile[];
  migrateRules?: MigrateConfig['rules'];
  executor: ExecutorConfig;
  nodeConcurrency?: Record<string, number | undefined>;
  seed?: readonly SeedFile[];
  apps: readonly AppDeploy[];
  /** Where the proxy reaches each node. */
  addresses: Record<string, NodeAddress>;
  /** Who runs this `up` (history rows, the lock). */
  appliedBy: string;
  /** A lock older than this was left by a runner that died: taken over (default 15 min). */
  staleLockMs?: number;
  /** How long to wait for the apps and the proxy to be available (0: do not wait). */
  readyTimeoutMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
  password?: () => string;
}

export interface UpRequest {
  name: string;
  owner: string;
  pr?: number;
  image?: string;
  ttlMs: number;
}

export interface UpReport {
  name: string;
  namespace: string;
  status: EnvironmentStatus;
  /** What is not there yet, each naming the node, database or object. */
  missing: string[];
  image?: string;
  expiresAt: string;
  databases: EnvironmentDatabase[];
  /** Migration statements run by this `up` (0 when every database was up to date). */
  statementsRun: number;
  seedStatements: number;
  apiRequests: number;
  sqlStatements: number;
  durationMs: number;
  exitCode: 0 | 1;
}

const STALE_LOCK_MS = 15 * 60_000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Create (or complete, or update) one environment and wait until it is ready. */
export async function upEnvironment(request: UpRequest, opts: UpOptions): Promise<UpReport> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => undefined);
  const counts: Counts = { apiRequests: 0, sqlStatements: 0 };
  const cluster = countingCluster(opts.cluster, counts);
  const shards = countingShards(opts.shards, counts);

  await ensureRecordNamespace(cluster);
  const existing = await readRecords(cluster);
  const plan = planEnvironment({ request: { ...request, now: now() }, topology: opts.topology, config: opts.config, existing });
  const topology = environmentTopology(opts.topology, plan);
  // Everything that can refuse the input (a migration or seed row that cannot be routed) before anything is created.
  const migrationPlan = buildPlan(topology, opts.migrations, { settings: opts.migrateRules ?? {} });
  const seed = opts.seed?.length ? planSeed(topology, opts.seed) : undefined;
  const image = plan.image;

  const held = await acquireRecord(cluster, plan.namespace, (previous) => initialRecord(plan, opts.appliedBy, now(), previous), now(), opts.staleLockMs ?? STALE_LOCK_MS);
  log(`${plan.name}: ${plan.resumes ? 'completing' : 'creating'} namespace ${plan.namespace} and ${plan.databases.length} databases`);
  const missing: string[] = [];
  const states = new Map(held.record.databases.map((d) => [d.database, { ...d, state: 'pending' as EnvironmentDatabase['state'] } as EnvironmentDatabase]));
  const fail = (database: string, error: string) => {
    const d = states.get(database);
    if (d && d.state !== 'failed') states.set(database, { ...d, state: 'failed', error });
  };
  let statementsRun = 0;
  let seedStatements = 0;
  try {
    const password = opts.password?.() ?? randomBytes(24).toString('base64url');
    registerSecret(password);

    // The namespace and its credentials first: the proxy and the apps need them, and the databases' user gets the same password.
    let namespaceReady = true;
    for (const obj of [renderNamespace(plan), renderQuota(plan, opts.config.quota), renderCredentials(plan, password)]) {
      try {
        await applyObject(cluster, obj);
      } catch (e) {
        namespaceReady = false;
        missing.push(`${obj.kind} ${plan.namespace}/${obj.metadata.name}: ${message(e)}`);
        break;
      }
    }

    // Databases and the user, node by node (each node's own session; the connector's per-node pool bounds them).
    const deadNodes = new Set<string>();
    await Promise.all(
      plan.nodes.map(async (node) => {
        try {
          await prepareNode(shards, node, plan.user, password, plan.databases.filter((d) => d.node === node).map((d) => d.database));
        } catch (e) {
          deadNodes.add(node);
          missing.push(`node ${node}: ${message(e)}`);
          for (const d of plan.databases) if (d.node === node) fail(d.database, message(e));
        }
      }),
    );

    // Every migration, through the migrate stage's executor and its history table.
    const live = { ...migrationPlan, databases: migrationPlan.databases.filter((d) => !deadNodes.has(d.target.node)) };
    if (live.databases.length) {
      const run = await applyMigrations(live, {
        connections: shards,
        config: opts.executor,
        ...(opts.nodeConcurrency ? { nodeConcurrency: opts.nodeConcurrency } : {}),
        appliedBy: opts.appliedBy,
        verify: 'off',
      });
      for (const d of run.databases) {
        statementsRun += d.statementsRun;
        if (d.outcome === 'applied' || d.outcome === 'up-to-date') {
          const s = states.get(d.target.database);
          if (s && s.state === 'pending') states.set(d.target.database, { ...s, state: 'migrated' });
        } else {
          fail(d.target.database, `${d.outcome}: ${d.error ?? ''}`.trim());
          missing.push(`database ${d.target.node}/${d.target.database}: migrations ${d.outcome}${d.error ? ` (${d.error})` : ''}`);
        }
      }
    }

    // Ready only when every physical table of the environment has the one schema.
    const drift = await verifySchemas(copiesFromTopology(topology), { connections: shards, concurrency: opts.executor.concurrency });
    for (const u of drift.unreachable) {
      if (!deadNodes.has(u.node) && states.get(u.database)?.state !== 'failed') missing.push(`database ${u.node}/${u.database}: verify could not read it (${u.error})`);
      fail(u.database, u.error);
    }
    for (const t of drift.tables) {
      for (const c of t.drifting) {
        if (deadNodes.has(c.node)) continue;
        fail(c.database, `${c.table} differs from the other copies of ${t.logicalTable}`);
        missing.push(`table ${c.node}/${c.database}.${c.table}: ${t.missing.includes(c) ? 'missing' : `differs from the other copies of ${t.logicalTable}`}`);
      }
    }

    // The seed, per database in one transaction with its marker.
    if (seed) {
      await Promise.all(
        plan.databases.map(async (d) => {
          if (states.get(d.database)?.state !== 'migrated') return;
          const statements = seed.byDatabase.get(d.database) ?? [];
          try {
            if (await seedDatabase(shards, d, seed.checksum, statements)) seedStatements += statements.length;
          } catch (e) {
            fail(d.database, `seed: ${message(e)}`);
            missing.push(`seed of ${d.node}/${d.database}: ${message(e)}`);
          }
        }),
      );
    }
    for (const [db, s] of states) if (s.state === 'migrated') states.set(db, { ...s, state: 'ready' });

    // The proxy and the apps (they start whether or not every database is there: the record says what is missing).
    if (namespaceReady) {
      const objects: KubeObject[] = [...renderMesh(plan, topology, opts.addresses, opts.config.proxyImage), ...(image ? renderApps(plan, opts.apps, image) : [])];
      for (const obj of objects) {
        try {
          await applyObject(cluster, obj);
        } catch (e) {
          missing.push(`${obj.kind} ${plan.namespace}/${obj.metadata.name}: ${message(e)}`);
        }
      }
      if (opts.readyTimeoutMs) missing.push(...(await waitForDeployments(cluster, plan.namespace, objects, opts.readyTimeoutMs)));
    }
  } catch (e) {
    // Unexpected: leave the record saying what was being done, unlocked, then report.
    missing.push(`up stopped: ${message(e)}`);
    await held.write(finalRecord(held.record, plan, states, missing, seed !== undefined)).catch(() => undefined);
    if (e instanceof ShardshipError) throw e;
    throw e;
  }
  const record = finalRecord(held.record, plan, states, missing, seed !== undefined);
  await held.write(record);
  if (missing.length) log(`${plan.name}: incomplete, ${missing.length} missing`);
  else log(`${plan.name}: ready`);
  return {
    name: plan.name,
    namespace: plan.namespace,
    status: record.status,
    missing,
    ...(image ? { image } : {}),
    expiresAt: plan.expiresAt,
    databases: record.databases,
    statementsRun,
    seedStatements,
    apiRequests: counts.apiRequests,
    sqlStatements: counts.sqlStatements,
    durationMs: Date.now() - started,
    exitCode: missing.length ? 1 : 0,
  };
}

function finalRecord(base: EnvironmentRecord, plan: EnvironmentPlan, states: Map<string, EnvironmentDatabase>, missing: string[], seeded: boolean): EnvironmentRecord {
  const databases = plan.databases.map((d) => states.get(d.database) ?? { ...d, state: 'pending' as const });
  const { lock: _released, ...rest } = base;
  return { ...rest, databases, missing: [...missing], status: missing.length ? 'incomplete' : 'ready', seeded: seeded && !missing.length ? true : base.seeded };
}

export interface BulkUpReport {
  environments: (UpReport | { name: string; status: 'refused' | 'held' | 'failed'; error: string; exitCode: 1 | 2 })[];
  durationMs: number;
  exitCode: 0 | 1 | 2;
}

/** Many environments at once (env.concurrency at a time); each node's pool bounds its sessions. */
export async function upEnvironments(requests: readonly UpRequest[], opts: UpOptions): Promise<BulkUpReport> {
  const started = Date.now();
  const limit = pLimit(opts.config.concurrency);
  const environments = await Promise.all(
    requests.map((r) =>
      limit(async () => {
        try {
          return await upEnvironment(r, opts);
        } catch (e) {
          const code = e instanceof ShardshipError && e.exitCode === 2 ? 2 : 1;
          const status = e instanceof ShardshipError && e.exitCode === 2 ? 'refused' : e instanceof Error && e.name === 'EnvironmentHeldError' ? 'held' : 'failed';
          return { name: r.name, status, error: message(e), exitCode: code } as const;
        }
      }),
    ),
  );
  const worst = Math.max(0, ...environments.map((e) => e.exitCode));
  return { environments, durationMs: Date.now() - started, exitCode: worst as 0 | 1 | 2 };
}
