// The topology-aware ESLint rules, run by ESLint's own RuleTester and by a real ESLint
// instance with the flat config the plugin builds from the topology.
import { ESLint, RuleTester } from 'eslint';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../../pipeline/config/load.js';
import { shardshipPlugin, shardshipPluginConfig, shardshipPluginConfigFor, pluginOptionsFromTopology } from '../../../../../rules/code/shardship-plugin/index.js';
import { SAMPLE_TOPOLOGY_YAML, sampleTopology } from '../../../migrate/helpers.js';
import { resolveTopology } from '../../../../../pipeline/migrate/topology.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it;

const options = pluginOptionsFromTopology(sampleTopology());
const tester = new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'module' } });

describe('options from the topology', () => {
  it('lists sharded tables with their keys and every physical name', () => {
    expect(options.shardedTables).toEqual({ t_order: 'user_id', t_order_item: 'user_id', t_user: 'id' });
    expect(options.physicalNames).toContain('t_order_3');
    expect(options.physicalNames).toContain('t_user_1');
    expect(options.physicalNames).not.toContain('t_order');
    expect(options.physicalNames).toHaveLength(4 + 4 + 2); // names repeat across databases
  });

  it('builds the flat-config entry straight from shardship.yaml', () => {
    const entry = shardshipPluginConfigFor(parseConfig('shardship.yaml', SAMPLE_TOPOLOGY_YAML))!;
    expect(entry.rules!['shardship/no-unsharded-query']).toEqual(['error', options]);
    expect(shardshipPluginConfigFor(parseConfig('shardship.yaml', 'version: 1\n'))).toBeUndefined();
  });
});

tester.run('no-unsharded-query', shardshipPlugin.rules['no-unsharded-query'], {
  valid: [
    { code: "db.query('SELECT * FROM t_order WHERE user_id = ?', [u])", options: [options] },
    { code: 'db.query(`SELECT id FROM t_order o WHERE o.user_id = ${u} AND status = ?`)', options: [options] },
    { code: "db.execute('SELECT * FROM t_order WHERE user_id IN (?, ?) ORDER BY id')", options: [options] },
    { code: "db.query('UPDATE t_order SET status = ? WHERE user_id = ? AND id = ?')", options: [options] },
    { code: "db.query('DELETE FROM t_order_item WHERE user_id = ?')", options: [options] },
    { code: "db.query('INSERT INTO t_order (id, user_id, status) VALUES (?, ?, ?)')", options: [options] },
    { code: "db.query('SELECT * FROM t_config')", options: [options] },
    { code: "db.query('SELECT * FROM t_order WHERE (user_id = 1 OR user_id = 2)')", options: [options] },
    { code: "log.info('SELECT * FROM t_order')", options: [options] },
    { code: "db.query('not sql at all, t_order')", options: [options] },
    { code: 'db.query(sqlFromElsewhere)', options: [options] },
  ],
  invalid: [
    { code: "db.query('SELECT * FROM t_order WHERE status = ?')", options: [options], errors: [{ messageId: 'scatter', data: { table: 't_order', key: 'user_id' } }] },
    { code: "db.query('SELECT * FROM t_order')", options: [options], errors: [{ messageId: 'scatter' }] },
    { code: 'pool.execute(`SELECT * FROM t_order WHERE user_id = ${u} OR status = ?`)', options: [options], errors: [{ messageId: 'scatter' }] },
    { code: "db.query('UPDATE t_order SET status = ? WHERE id = ?')", options: [options], errors: [{ messageId: 'scatter' }] },
    { code: "db.query('DELETE FROM t_order_item WHERE sku = ?')", options: [options], errors: [{ messageId: 'scatter', data: { table: 't_order_item', key: 'user_id' } }] },
    { code: "db.query('INSERT INTO t_order (id, status) VALUES (?, ?)')", options: [options], errors: [{ messageId: 'scatter' }] },
    { code: "conn.execute({ sql: 'SELECT * FROM t_order WHERE id = ?', values: [1] })", options: [options], errors: [{ messageId: 'scatter' }] },
    { code: "db.query('SELECT * FROM t_user u WHERE u.email = ?')", options: [options], errors: [{ messageId: 'scatter', data: { table: 't_user', key: 'id' } }] },
    { code: "db.query('SELECT * FROM t_order o JOIN t_order_item i ON i.order_id = o.id WHERE o.user_id = ?')", options: [options], errors: [{ messageId: 'scatter', data: { table: 't_order_item', key: 'user_id' } }] },
  ],
});

// ShardingSphere's example: databases by user_id, tables by order_id. One shard needs both.
const twoColumns = pluginOptionsFromTopology(
  resolveTopology(
    parseConfig(
      'shardship.yaml',
      `version: 1
migrate:
  environments:
    prod:
      nodes: { n1: { dsnEnv: N1 } }
      databases: { ds_0: n1, ds_1: n1 }
      defaultDatabaseStrategy: { shardingColumn: user_id, algorithmExpression: 'ds_\${user_id % 2}' }
      tables:
        t_order: { kind: sharded, actualDataNodes: 'ds_\${0..1}.t_order_\${0..1}', tableStrategy: { shardingColumn: order_id, algorithmExpression: 't_order_\${order_id % 2}' } }
`,
    ).migrate!,
    'prod',
  ),
);

describe('options from database and table strategies', () => {
  it('lists both sharding columns', () => {
    expect(twoColumns.shardedTables).toEqual({ t_order: ['user_id', 'order_id'] });
  });
});

tester.run('no-unsharded-query (database and table strategies)', shardshipPlugin.rules['no-unsharded-query'], {
  valid: [
    { code: "db.query('SELECT * FROM t_order WHERE user_id = ? AND order_id = ?')", options: [twoColumns] },
    { code: "db.query('INSERT INTO t_order (order_id, user_id, note) VALUES (?, ?, ?)')", options: [twoColumns] },
  ],
  invalid: [
    { code: "db.query('SELECT * FROM t_order WHERE user_id = ?')", options: [twoColumns], errors: [{ messageId: 'scatter', data: { table: 't_order', key: 'order_id' } }] },
    { code: "db.query('UPDATE t_order SET note = ? WHERE order_id = ?')", options: [twoColumns], errors: [{ messageId: 'scatter', data: { table: 't_order', key: 'user_id' } }] },
    { code: "db.query('INSERT INTO t_order (order_id, note) VALUES (?, ?)')", options: [twoColumns], errors: [{ messageId: 'scatter', data: { table: 't_order', key: 'user_id' } }] },
    { code: "db.query('DELETE FROM t_order WHERE note = ?')", options: [twoColumns], errors: [{ messageId: 'scatter', data: { table: 't_order', key: 'user_id, order_id' } }] },
  ],
});

tester.run('no-physical-shard-name', shardshipPlugin.rules['no-physical-shard-name'], {
  valid: [
    { code: "db.query('SELECT * FROM t_order WHERE user_id = ?')", options: [options] },
    { code: "const name = 't_order_77'", options: [options] },
    { code: 'const t_order_3 = 1', options: [options] },
  ],
  invalid: [
    { code: "db.query('SELECT * FROM t_order_7 WHERE user_id = ?')", options: [{ ...options, physicalNames: ['t_order_7'] }], errors: [{ messageId: 'physical', data: { name: 't_order_7' } }] },
    { code: 'const sql = `DELETE FROM t_user_1 WHERE id = ${id}`', options: [options], errors: [{ messageId: 'physical', data: { name: 't_user_1' } }] },
    { code: "archive('t_order_item_2')", options: [options], errors: [{ messageId: 'physical' }] },
  ],
});

describe('a real ESLint run with the plugin config', () => {
  it('reports both rules at their lines', async () => {
    const eslint = new ESLint({ overrideConfigFile: true, overrideConfig: [shardshipPluginConfig(options)], cwd: import.meta.dirname });
    const code = ["const rows = await db.query('SELECT * FROM t_order WHERE status = ?', ['NEW']);", "await db.query('SELECT * FROM t_order_2 WHERE user_id = 1');", ''].join('\n');
    const [result] = await eslint.lintText(code, { filePath: 'app.mjs' });
    expect(result!.messages.map((m) => [m.ruleId, m.line])).toEqual([
      ['shardship/no-unsharded-query', 1],
      ['shardship/no-physical-shard-name', 2],
    ]);
  });
});
