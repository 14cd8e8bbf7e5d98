import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../pipeline/config/load.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { removeTempProjects, SAMPLE_TOPOLOGY_YAML, tempProject } from './helpers.js';

afterAll(removeTempProjects);

async function topologyProblems(yaml: string, env = 'prod') {
  const dir = await tempProject({}, yaml);
  const loaded = await loadConfig(dir);
  try {
    resolveTopology(loaded.config.migrate!, env, loaded.source);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('topology', () => {
  it('resolves nodes, databases and every physical copy', async () => {
    const dir = await tempProject({});
    const loaded = await loadConfig(dir);
    const t = resolveTopology(loaded.config.migrate!, 'prod', loaded.source);
    expect(t.nodes).toEqual([
      { name: 'n1', dsnEnv: 'SHARD_N1_DSN' },
      { name: 'n2', dsnEnv: 'SHARD_N2_DSN', concurrency: 2 },
    ]);
    expect(t.databases).toEqual([
      { node: 'n1', database: 'loan_0' },
      { node: 'n1', database: 'loan_1' },
      { node: 'n2', database: 'loan_2' },
      { node: 'n2', database: 'loan_3' },
    ]);
    expect(t.tables.t_order!.physical).toHaveLength(16);
    expect(t.tables.t_order!.physical[5]).toEqual({ node: 'n1', database: 'loan_1', physicalTable: 't_order_1' });
    expect(t.tables.t_user!.physical.map((p) => p.physicalTable).slice(0, 2)).toEqual(['t_user_0', 't_user_1']);
    expect(t.tables.t_config!.physical.map((p) => p.database)).toEqual(['loan_0', 'loan_1', 'loan_2', 'loan_3']);
    expect(t.tables.t_audit).toEqual({ name: 't_audit', kind: 'single', physical: [{ node: 'n1', database: 'loan_0', physicalTable: 't_audit' }] });
    expect(Object.keys(t.tables)).toEqual(['t_order', 't_order_item', 't_user', 't_config', 't_region', 't_audit', 't_report']);
  });

  it('names an unknown environment and lists the known ones', async () => {
    const ps = await topologyProblems(SAMPLE_TOPOLOGY_YAML, 'staging');
    expect(ps[0]!.message).toBe('unknown environment "staging"');
    expect(ps[0]!.hint).toBe('known environments: prod');
    expect(ps[0]!.position?.line).toBe(4);
  });

  it('reports a physical table claimed twice at file:line', async () => {
    const yaml = SAMPLE_TOPOLOGY_YAML.replace("t_user_${[0,1]}'", "t_order_${[0,1]}'");
    expect(yaml).not.toBe(SAMPLE_TOPOLOGY_YAML);
    const ps = await topologyProblems(yaml);
    expect(ps.length).toBeGreaterThan(0);
    expect(ps[0]!.message).toMatch(/physical table loan_0\.t_order_0 is claimed twice \(by "t_order" and "t_user"\)/);
    expect(ps[0]!.path).toBe('migrate.environments.prod.tables.t_user.actualDataNodes');
    expect(ps[0]!.position).toMatchObject({ file: 'shardship.yaml', line: 17 });
  });

  it('reports a database whose node is not declared, and a table in an undeclared database', async () => {
    const yaml = SAMPLE_TOPOLOGY_YAML.replace('loan_3: n2', 'loan_3: n9').replace("database: loan_0 }\n        t_report", "database: loan_9 }\n        t_report");
    const ps = await topologyProblems(yaml);
    const node = ps.find((p) => p.path === 'migrate.environments.prod.databases.loan_3')!;
    expect(node.message).toBe('database "loan_3" is on node "n9", which is not declared');
    expect(node.position?.line).toBe(13);
    const db = ps.find((p) => p.path === 'migrate.environments.prod.tables.t_audit.database')!;
    expect(db.message).toBe('database "loan_9" has no node');
    expect(db.position?.line).toBe(20);
  });

  it('reports an expression that expands to nothing, or cannot be read', async () => {
    const empty = await topologyProblems(SAMPLE_TOPOLOGY_YAML.replace("t_order_item_${0..3}'", "t_order_item_${[]}'"));
    expect(empty[0]!.message).toMatch(/expands to no physical table/);
    expect(empty[0]!.position?.line).toBe(16);
    const groovy = await topologyProblems(SAMPLE_TOPOLOGY_YAML.replace("t_order_item_${0..3}'", "t_order_item_${x}'"));
    expect(groovy[0]!.message).toMatch(/unsupported placeholder/);
  });

  it('keeps working without a YAML source (no positions)', () => {
    const cfg = { directory: 'm', environments: {}, concurrency: 1, nodeConcurrency: 1, lockWaitTimeout: '5s', lockRetries: 0, allowCopyAlter: false, rules: {} } as const;
    expect(() => resolveTopology(cfg, 'prod')).toThrow(/unknown environment "prod"/);
  });
});
