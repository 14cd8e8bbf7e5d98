import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EnvConfig } from '../../../pipeline/config/env.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { environmentTopology, planEnvironment } from '../../../pipeline/env/plan.js';
import { planSeed } from '../../../pipeline/env/seed.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { topologyYaml } from '../../support/shards.js';

const source = resolveTopology(ShardshipConfig.parse(parse(topologyYaml())).migrate!, 'prod');
const plan = planEnvironment({ request: { name: 'pr-3', owner: 'a', ttlMs: 1000, now: new Date() }, topology: source, config: EnvConfig.parse({}), existing: [] });
const topology = environmentTopology(source, plan);

describe('planSeed', () => {
  it('routes each row of a sharded table to its environment shard by the shard key, broadcast rows everywhere', () => {
    const seed = planSeed(topology, [
      { file: 'seed/t_order.sql', text: 'INSERT INTO t_order (id, user_id) VALUES (1, 0), (2, 5), (3, 6);\n' },
      { file: 'seed/t_config.sql', text: "INSERT INTO t_config (k, v) VALUES ('a', 'b');\n" },
    ]);
    // user_id 0 -> loan_0.t_order_0; 5 -> loan_1.t_order_1; 6 -> loan_2.t_order_1
    expect(seed.byDatabase.get('env_pr_3__loan_0')).toEqual(['INSERT INTO t_order_0 (id, user_id) VALUES (1, 0)', "INSERT INTO t_config (k, v) VALUES ('a', 'b')"]);
    expect(seed.byDatabase.get('env_pr_3__loan_1')).toEqual(['INSERT INTO t_order_1 (id, user_id) VALUES (2, 5)', "INSERT INTO t_config (k, v) VALUES ('a', 'b')"]);
    expect(seed.byDatabase.get('env_pr_3__loan_2')).toEqual(['INSERT INTO t_order_1 (id, user_id) VALUES (3, 6)', "INSERT INTO t_config (k, v) VALUES ('a', 'b')"]);
    expect(seed.statements).toBe(7);
    expect([...seed.byDatabase.keys()].every((db) => db.startsWith('env_pr_3__'))).toBe(true);
  });

  it('the checksum changes with the files, so a changed seed runs again', () => {
    const a = planSeed(topology, [{ file: 's.sql', text: "INSERT INTO t_config (k, v) VALUES ('a', 'b');" }]);
    const b = planSeed(topology, [{ file: 's.sql', text: "INSERT INTO t_config (k, v) VALUES ('a', 'c');" }]);
    expect(a.checksum).not.toBe(b.checksum);
  });

  it('refuses schema changes and rows it cannot route, naming file:line, before anything runs', () => {
    let error: unknown;
    try {
      planSeed(topology, [{ file: 'seed.sql', text: "CREATE TABLE x (id INT);\nINSERT INTO t_order (id) VALUES (1);\n" }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems[0]).toMatchObject({ message: expect.stringMatching(/CREATE: a seed file holds data only/), position: { file: 'seed.sql', line: 1 } });
    expect(problems[1]).toMatchObject({ message: expect.stringMatching(/does not set sharding column user_id/), position: { file: 'seed.sql', line: 2 } });
  });
});
