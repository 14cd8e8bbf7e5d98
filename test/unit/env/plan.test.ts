import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EnvConfig } from '../../../pipeline/config/env.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { UsageError } from '../../../pipeline/core/errors.js';
import { environmentKey, environmentTopology, initialRecord, namespaceOf, planEnvironment, userOf, type EnvironmentPlan } from '../../../pipeline/env/plan.js';
import type { EnvironmentRecord } from '../../../pipeline/env/record.js';
import { compileAlgorithm } from '../../../pipeline/migrate/sharding-algorithm.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { topologyYaml } from '../../support/shards.js';

const topology = resolveTopology(ShardshipConfig.parse(parse(topologyYaml({ environmentKeys: ['capacityBytes: 1048576'] }))).migrate!, 'prod');
const config = EnvConfig.parse({});
const now = new Date('2026-12-06T10:00:00Z');
const request = (name: string, extra: Partial<Parameters<typeof planEnvironment>[0]['request']> = {}) => ({ name, owner: 'alice', ttlMs: 3_600_000, now, ...extra });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error('expected a refusal');
}

function recordOf(plan: EnvironmentPlan): EnvironmentRecord {
  const { lock: _lock, ...r } = initialRecord(plan, 'bob', now);
  return { ...r, status: 'ready' };
}

describe('planEnvironment', () => {
  it('derives a DNS-safe namespace, prefixed databases on the same nodes, the user and the expiry', () => {
    const plan = planEnvironment({ request: request('PR_7.feature', { pr: 7, image: 'reg/app:1' }), topology, config, existing: [] });
    expect(plan.namespace).toBe('env-pr-7-feature');
    expect(plan.databases).toEqual([
      { node: 'n1', source: 'loan_0', database: 'env_pr_7_feature__loan_0' },
      { node: 'n1', source: 'loan_1', database: 'env_pr_7_feature__loan_1' },
      { node: 'n2', source: 'loan_2', database: 'env_pr_7_feature__loan_2' },
      { node: 'n2', source: 'loan_3', database: 'env_pr_7_feature__loan_3' },
    ]);
    expect(plan.nodes).toEqual(['n1', 'n2']);
    expect(plan.user).toBe(userOf('PR_7.feature'));
    expect(plan.user.length).toBeLessThanOrEqual(32);
    expect(plan.expiresAt).toBe('2026-12-06T11:00:00.000Z');
    expect(plan).toMatchObject({ pr: 7, image: 'reg/app:1', owner: 'alice', from: 'prod', resumes: false });
  });

  it('refuses invalid names before anything else', () => {
    expect(refusal(() => planEnvironment({ request: request('-bad name'), topology, config, existing: [] }))).toMatch(/"-bad name" is not a valid environment name/);
    expect(refusal(() => planEnvironment({ request: request('___'), topology, config, existing: [] }))).toMatch(/not a valid environment name/);
  });

  it('refuses a name whose derived database would pass the 64 characters MySQL allows, saying by how much', () => {
    const name = 'x'.repeat(55);
    const message = refusal(() => planEnvironment({ request: request(name), topology, config, existing: [] }));
    expect(message).toContain(`database env_${name}__loan_0 (copy of loan_0) would be 67 characters; MySQL allows 64: shorten the name by 3`);
    // 52 characters make 64: allowed.
    expect(planEnvironment({ request: request('x'.repeat(52)), topology, config, existing: [] }).databases[0]!.database).toHaveLength(64);
    expect(message).toContain('nothing was created');
  });

  it('refuses a name that collides with another environment on its namespace', () => {
    const other = recordOf(planEnvironment({ request: request('Feature-1'), topology, config, existing: [] }));
    expect(refusal(() => planEnvironment({ request: request('feature_1'), topology, config, existing: [other] }))).toMatch(/"feature_1" collides with environment "Feature-1": both are namespace env-feature-1/);
  });

  it('resumes its own record: same creation time and owner, the expiry renewed', () => {
    const first = planEnvironment({ request: request('pr-1', { image: 'a:1' }), topology, config, existing: [] });
    const again = planEnvironment({ request: request('pr-1', { owner: 'carol', now: new Date('2026-12-06T12:00:00Z') }), topology, config, existing: [recordOf(first)] });
    expect(again).toMatchObject({ resumes: true, createdAt: first.createdAt, owner: 'alice', image: 'a:1', expiresAt: '2026-12-06T13:00:00.000Z' });
  });

  it('refuses when the hosts\' capacity cap would be passed, naming the node', () => {
    const capped = EnvConfig.parse({ hostCapacityBytes: 5 * 1048576 });
    const a = recordOf(planEnvironment({ request: request('a'), topology, config: capped, existing: [] }));
    const b = recordOf(planEnvironment({ request: request('b'), topology, config: capped, existing: [a] }));
    // n1 holds 2 databases per environment: a third environment needs 6 MiB of a 5 MiB cap.
    const message = refusal(() => planEnvironment({ request: request('c'), topology, config: capped, existing: [a, b] }));
    expect(message).toMatch(/node n1 would hold 6 environment databases of 1\.0 MiB each \(6\.0 MiB\), over env\.hostCapacityBytes 5\.0 MiB/);
    expect(message).toMatch(/node n2 would hold 6/);
  });

  it('refuses over env.maxEnvironments', () => {
    const one = EnvConfig.parse({ maxEnvironments: 1 });
    const a = recordOf(planEnvironment({ request: request('a'), topology, config: one, existing: [] }));
    expect(refusal(() => planEnvironment({ request: request('b'), topology, config: one, existing: [a] }))).toMatch(/1 environments exist; env.maxEnvironments is 1/);
    expect(() => planEnvironment({ request: request('a'), topology, config: one, existing: [a] })).not.toThrow();
  });

  it('names every problem at once', () => {
    const capped = EnvConfig.parse({ hostCapacityBytes: 1 });
    const message = refusal(() => planEnvironment({ request: request('y'.repeat(60)), topology, config: capped, existing: [] }));
    expect(message).toMatch(/namespace env-y+ would be 64 characters/);
    expect(message).toMatch(/MySQL allows 64/);
    expect(message).toMatch(/over env\.hostCapacityBytes/);
  });
});

describe('environmentKey and namespaceOf', () => {
  it('lowercase, runs of other characters become one dash, no dash at the ends', () => {
    expect(environmentKey('  Feature/Login__Page! ')).toBe('feature-login-page');
    expect(namespaceOf(config, 'Customer 42')).toBe('env-customer-42');
  });
});

describe('environmentTopology', () => {
  it('prefixes every physical database and database strategy, so rows route to the environment\'s databases', () => {
    const plan = planEnvironment({ request: request('pr-9'), topology, config, existing: [] });
    const t = environmentTopology(topology, plan);
    expect(t.databases.map((d) => d.database)).toEqual(plan.databases.map((d) => d.database));
    const order = t.tables.t_order!;
    expect(new Set(order.physical.map((p) => p.database))).toEqual(new Set(plan.databases.map((d) => d.database)));
    const algorithm = compileAlgorithm(order.databaseStrategy!.algorithmExpression);
    expect(algorithm.route(new Map([['user_id', 6n]]))).toBe('env_pr_9__loan_2');
    // The source topology is untouched.
    expect(topology.tables.t_order!.physical[0]!.database).toBe('loan_0');
  });
});
