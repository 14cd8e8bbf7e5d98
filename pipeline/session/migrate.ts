// The migrate stage's session: its config section, the topology of one environment (errors
// name shardship.yaml file:line), the plan, and the MySQL adapters, built one way for the CLI
// (`migrate ...`, `backup ...`) and the pipeline's migrate step. A composition root: it may
// import adapters; they load on use, so a plan that never connects never loads mysql2.
import { resolve } from 'node:path';
import { durationMs } from '../config/common.js';
import type { MigrateConfig } from '../config/migrate.js';
import type { ShardshipConfig } from '../config/schema.js';
import type { YamlSource } from '../config/yaml-source.js';
import { actorLine, currentActor } from '../core/actor.js';
import { UsageError } from '../core/errors.js';
import type { ApplyOptions } from '../migrate/apply.js';
import { readAppliedVersions } from '../migrate/history.js';
import { migrateSection, planMigrations } from '../migrate/plan.js';
import type { MigrationPlan } from '../migrate/plan-types.js';
import { resolveTopology, type Topology } from '../migrate/topology.js';
import type { ShardConnector } from '../core/shards.js';

export interface MigrateSessionInput {
  /** The repository: migration files are read from migrate.directory under it. */
  cwd: string;
  config: ShardshipConfig;
  /** The parsed shardship.yaml: topology errors name its file:line. */
  source?: YamlSource;
  /** `--env`; absent: the only environment there is. */
  environment?: string;
  env: NodeJS.ProcessEnv;
}

export interface MigrateSession {
  config: MigrateConfig;
  environment: string;
  topology: Topology;
  /** The plan; `applied` (database -> versions) leaves out what already ran. */
  plan(applied?: Map<string, Set<string>>): Promise<MigrationPlan>;
  /** One pooled connector to the environment's nodes (their DSN env vars must be set). */
  connect(opts?: { nodeConcurrency?: number }): Promise<ShardConnector>;
  /** What each database already applied, read from its history table. */
  appliedVersions(): Promise<Map<string, Set<string>>>;
  /** The backup stage's pre-migration snapshot (migrate.snapshotBefore), as the executor's `beforeStatement` port. */
  snapshotBefore(): Promise<ApplyOptions['beforeStatement']>;
  /**
   * The executor's adapters, identity, pre-migration snapshot (migrate.snapshotBefore) and
   * after-check scope (every copy of every touched table) for `applyMigrations`: one set for
   * `migrate apply` and the pipeline's migrate step alike.
   */
  applyOptions(connections: ShardConnector): Promise<Pick<ApplyOptions, 'connections' | 'config' | 'nodeConcurrency' | 'appliedBy' | 'onlineSchemaChange' | 'beforeStatement' | 'tables'>>;
}

/** `--env`, or the only environment there is. */
export function chooseEnvironment(config: MigrateConfig, env: string | undefined): string {
  if (env) return env;
  const names = Object.keys(config.environments);
  if (names.length === 1) return names[0]!;
  throw new UsageError(names.length ? `several environments (${names.join(', ')}): pass --env NAME` : 'no migrate.environments in shardship.yaml', {
    hint: names.length ? undefined : 'add migrate.environments.<name> with nodes, databases and tables',
  });
}

export function openMigrateSession(input: MigrateSessionInput): MigrateSession {
  const config = migrateSection(input.config);
  const environment = chooseEnvironment(config, input.environment);
  const topology = resolveTopology(config, environment, input.source);
  const connect = async (opts: { nodeConcurrency?: number } = {}): Promise<ShardConnector> => {
    // mysql2 loads only when a command connects.
    const { createShardConnector } = await import('../mysql/pool.js');
    return createShardConnector({
      environment,
      nodes: Object.fromEntries(topology.nodes.map((n) => [n.name, { dsnEnv: n.dsnEnv, concurrency: n.concurrency }])),
      env: input.env,
      nodeConcurrency: opts.nodeConcurrency ?? config.nodeConcurrency,
      connectTimeoutMs: durationMs(input.config.timeouts.mysqlConnect),
      queryTimeoutMs: durationMs(input.config.timeouts.mysqlQuery),
    });
  };
  const session: MigrateSession = {
    config,
    environment,
    topology,
    plan: (applied) =>
      planMigrations({ cwd: input.cwd, config, environment, ...(input.source ? { configSource: input.source } : {}), ...(applied ? { applied } : {}) }),
    connect,
    appliedVersions: async () => {
      const connections = await connect();
      try {
        return await readAppliedVersions(connections, topology.databases);
      } finally {
        await connections.end();
      }
    },
    snapshotBefore: async () => {
      const mode = config.snapshotBefore ?? 'destructive';
      if (mode === 'never') return undefined;
      const [{ snapshotHook }, { readMigrations }] = await Promise.all([import('../backup/snapshot.js'), import('../migrate/migration-files.js')]);
      return snapshotHook(mode, await readMigrations(resolve(input.cwd, config.directory), { cwd: input.cwd }));
    },
    applyOptions: async (connections) => {
      const [{ onlineSchemaChangerFor }, { copiesFromTopology }] = await Promise.all([import('../pt-osc/pt-online-schema-change.js'), import('../migrate/verify.js')]);
      const onlineSchemaChange = await onlineSchemaChangerFor(config, topology, input.env);
      const beforeStatement = await session.snapshotBefore();
      return {
        ...(onlineSchemaChange ? { onlineSchemaChange } : {}),
        ...(beforeStatement ? { beforeStatement } : {}),
        // The after-check is `migrate verify` over the tables the plan touches.
        tables: copiesFromTopology(topology),
        connections,
        config,
        nodeConcurrency: Object.fromEntries(topology.nodes.map((n) => [n.name, n.concurrency])),
        appliedBy: actorLine(currentActor(input.env)),
      };
    },
  };
  return session;
}
