// What `env up NAME` will create, decided before anything is: the namespace (DNS-safe, from
// NAME), each physical database of the source topology under an environment prefix on the same
// node, the MySQL user, and the expiry. Every check that can refuse (bad or colliding name, a
// derived database name over MySQL's 64 characters, a host's capacity cap, the environment
// cap) runs here, so a refused `up` has created nothing. Pure.
import { createHash } from 'node:crypto';
import type { EnvConfig } from '../config/env.js';
import { UsageError } from '../core/errors.js';
import { MAX_IDENTIFIER } from '../migrate/object-names.js';
import type { Topology } from '../migrate/topology.js';
import { formatBytes } from '../migrate/capacity.js';
import type { EnvironmentDatabase, EnvironmentRecord } from './record.js';

/** Kubernetes namespaces are DNS-1123 labels. */
export const MAX_NAMESPACE = 63;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The DNS-safe form of NAME: lowercase, runs of anything else become one "-". */
export function environmentKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function namespaceOf(config: Pick<EnvConfig, 'namespacePrefix'>, name: string): string {
  return `${config.namespacePrefix}${environmentKey(name)}`;
}

/** What every physical database of environment NAME starts with: <databasePrefix><key with _>__. */
export function databasePrefixOf(config: Pick<EnvConfig, 'databasePrefix'>, name: string): string {
  return `${config.databasePrefix}${environmentKey(name).replace(/-/g, '_')}__`;
}

/** The environment's MySQL user: short (MySQL allows 32 characters) and stable for a name. */
export function userOf(name: string): string {
  return `shs_${createHash('sha256').update(environmentKey(name)).digest('hex').slice(0, 12)}`;
}

export interface EnvironmentRequest {
  name: string;
  owner: string;
  pr?: number;
  image?: string;
  ttlMs: number;
  now: Date;
}

export interface EnvironmentPlan {
  name: string;
  namespace: string;
  from: string;
  user: string;
  owner: string;
  pr?: number;
  image?: string;
  createdAt: string;
  expiresAt: string;
  nodes: string[];
  /** Prepended to each source database's name. */
  databasePrefix: string;
  /** Source database -> the environment's, on the same node. */
  databases: { node: string; database: string; source: string }[];
  /** True when a record exists: this `up` completes or updates it. */
  resumes: boolean;
}

export interface PlanEnvironmentInput {
  request: EnvironmentRequest;
  topology: Topology;
  config: EnvConfig;
  /** Every record in the cluster (collisions, capacity, the environment cap). */
  existing: readonly EnvironmentRecord[];
}

/** The plan, or a UsageError listing every reason it is refused. */
export function planEnvironment(input: PlanEnvironmentInput): EnvironmentPlan {
  const { request, topology, config, existing } = input;
  const problems: string[] = [];
  const key = environmentKey(request.name);
  if (!NAME.test(request.name) || !key) problems.push(`"${request.name}" is not a valid environment name: use letters, digits, ".", "_" and "-", starting with a letter or digit`);
  const namespace = namespaceOf(config, request.name);
  if (namespace.length > MAX_NAMESPACE) problems.push(`namespace ${namespace} would be ${namespace.length} characters; Kubernetes allows ${MAX_NAMESPACE}: shorten the name`);
  const own = existing.find((r) => r.namespace === namespace);
  if (own && own.name !== request.name) problems.push(`"${request.name}" collides with environment "${own.name}": both are namespace ${namespace}; choose another name`);
  if (own && own.from !== topology.environment) problems.push(`environment "${request.name}" copies ${own.from}, not ${topology.environment}: run env down first to rebuild it from ${topology.environment}`);

  const databasePrefix = databasePrefixOf(config, request.name);
  const databases = topology.databases.map((d) => ({ node: d.node, source: d.database, database: `${databasePrefix}${d.database}` }));
  for (const d of databases) {
    if (d.database.length > MAX_IDENTIFIER) {
      problems.push(`database ${d.database} (copy of ${d.source}) would be ${d.database.length} characters; MySQL allows ${MAX_IDENTIFIER}: shorten the name by ${d.database.length - MAX_IDENTIFIER}`);
    }
  }
  // A derived name must belong to nothing else: not the source topology, not another environment.
  const taken = new Map<string, string>(topology.databases.map((d) => [d.database, `environment ${topology.environment} of migrate`]));
  for (const r of existing) if (r.namespace !== namespace) for (const d of r.databases) taken.set(d.database, `environment "${r.name}"`);
  for (const d of databases) {
    const owner = taken.get(d.database);
    if (owner) problems.push(`database ${d.database} already belongs to ${owner}; choose another name`);
  }

  if (!own && existing.length >= config.maxEnvironments) problems.push(`${existing.length} environments exist; env.maxEnvironments is ${config.maxEnvironments}: remove some (env down, env gc) or raise the cap`);

  if (config.hostCapacityBytes !== undefined) {
    const reserve = topology.capacityBytes;
    if (reserve === undefined) {
      problems.push(`env.hostCapacityBytes needs migrate.environments.${topology.environment}.capacityBytes: the size each environment database reserves`);
    } else {
      for (const node of topology.nodes.map((n) => n.name)) {
        const others = existing.filter((r) => r.namespace !== namespace).reduce((n, r) => n + r.databases.filter((d) => d.node === node).length, 0);
        const mine = databases.filter((d) => d.node === node).length;
        const need = (others + mine) * reserve;
        if (mine > 0 && need > config.hostCapacityBytes) {
          problems.push(
            `node ${node} would hold ${others + mine} environment databases of ${formatBytes(reserve)} each (${formatBytes(need)}), over env.hostCapacityBytes ${formatBytes(config.hostCapacityBytes)}: remove environments or raise the cap`,
          );
        }
      }
    }
  }
  if (problems.length) {
    throw new UsageError(`env up ${request.name} refused, nothing was created:\n  ${problems.join('\n  ')}`);
  }
  const createdAt = own?.createdAt ?? request.now.toISOString();
  return {
    name: request.name,
    namespace,
    from: topology.environment,
    user: userOf(request.name),
    owner: own?.owner ?? request.owner,
    ...(request.pr !== undefined ? { pr: request.pr } : own?.pr !== undefined ? { pr: own.pr } : {}),
    ...(request.image !== undefined ? { image: request.image } : own?.image !== undefined ? { image: own.image } : {}),
    createdAt,
    databasePrefix,
    expiresAt: new Date(request.now.getTime() + request.ttlMs).toISOString(),
    nodes: [...new Set(databases.map((d) => d.node))],
    databases,
    resumes: own !== undefined,
  };
}

/** The record an `up` starts from: what the plan will create, nothing done yet (or what a previous `up` did). */
export function initialRecord(plan: EnvironmentPlan, holder: string, now: Date, previous?: EnvironmentRecord): EnvironmentRecord {
  const prior = new Map((previous?.databases ?? []).map((d) => [d.database, d]));
  const databases: EnvironmentDatabase[] = plan.databases.map((d) => ({ ...d, state: prior.get(d.database)?.state === 'ready' ? 'ready' : 'pending' }));
  return {
    schemaVersion: 1,
    name: plan.name,
    namespace: plan.namespace,
    from: plan.from,
    owner: plan.owner,
    ...(plan.pr !== undefined ? { pr: plan.pr } : {}),
    ...(plan.image !== undefined ? { image: plan.image } : {}),
    createdAt: plan.createdAt,
    expiresAt: plan.expiresAt,
    status: 'creating',
    lock: { holder, since: now.toISOString() },
    user: plan.user,
    nodes: plan.nodes,
    databases,
    missing: previous?.missing ?? [],
    seeded: previous?.seeded ?? false,
  };
}

/**
 * The topology of the environment: the source's with every physical database prefixed, and
 * every database strategy too (an INLINE expression is a template whose text is the database
 * name: `loan_${user_id % 4}` becomes `env_pr_7__loan_${user_id % 4}`), so that migrations,
 * seed rows and the proxy route to the environment's databases only.
 */
export function environmentTopology(topology: Topology, plan: Pick<EnvironmentPlan, 'databasePrefix' | 'name'>): Topology {
  const to = (db: string) => `${plan.databasePrefix}${db}`;
  return {
    ...topology,
    environment: plan.name,
    databases: topology.databases.map((d) => ({ ...d, database: to(d.database) })),
    tables: Object.fromEntries(
      Object.entries(topology.tables).map(([n, t]) => [
        n,
        {
          ...t,
          ...(t.databaseStrategy ? { databaseStrategy: { ...t.databaseStrategy, algorithmExpression: to(t.databaseStrategy.algorithmExpression) } } : {}),
          physical: t.physical.map((p) => ({ ...p, database: to(p.database) })),
        },
      ]),
    ),
  };
}
