// The `shardship migrate apply|status|verify|repair` commands end to end: shardship.yaml with a
// topology, migration files on disk, the planner, the executor and real MariaDB nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';
import { rootQuery } from '../../support/mariadb.js';
import { topologyYaml } from '../../support/shards.js';
import { useShardFixture } from './exec-fixture.js';
import { columns } from '../../support/shards.js';

const f = useShardFixture({ reset: 'once' });
let cwd: string;

const CONFIG = topologyYaml({
  environment: 'test',
  migrate: ['lockWaitTimeout: 2s'],
  environmentKeys: ['capacityBytes: 1073741824'],
  tables: ['t_order', 't_order_item', 't_config'],
});

async function cli(args: string[], env: Record<string, string> = f.env) {
  const output = memoryOutput();
  const code = await main(args, { cwd, env: { ...env, CI: '1' }, output });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

function writeMigration(name: string, sql: string) {
  writeFileSync(join(cwd, 'migrations', name), sql);
}

beforeAll(() => {
  cwd = tempDir('migrate-cli');
  mkdirSync(join(cwd, 'migrations'));
  writeFileSync(join(cwd, 'shardship.yaml'), CONFIG);
  writeMigration('V1__add_note.sql', '-- a note on every order\nALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note);\n');
  writeMigration(
    'V2__order_item.sql',
    'CREATE TABLE t_order_item (\n  id BIGINT NOT NULL PRIMARY KEY,\n  user_id BIGINT NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n',
  );
});
afterAll(() => {
  if (cwd) removeDir(cwd);
});

describe('shardship migrate apply/status/verify/repair', () => {
  it('status before, apply, re-apply, status after; never prints a DSN password', async () => {
    const before = await cli(['migrate', 'status']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/n1\/loan_0\s+-\s+-/);

    const plan = await cli(['migrate', 'plan', '--json']);
    expect(plan.code).toBe(0);

    const applied = await cli(['migrate', 'apply', '--json']);
    expect(applied.stderr).not.toMatch(/error/);
    expect(applied.code).toBe(0);
    const run = JSON.parse(applied.stdout);
    expect(run.ok).toBe(true);
    expect(run.databases.map((d: { outcome: string }) => d.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(run.databases.map((d: { statementsRun: number }) => d.statementsRun)).toEqual([8, 8, 8, 8]);
    // CI output: one line per database.
    expect(applied.stderr.split('\n').filter((l) => /^n[12]\/loan_\d\s+applied\s+8 statements/.test(l))).toHaveLength(4);
    for (let k = 0; k < 4; k++) expect(await columns(f.nodes[1]!, 'loan_3', `t_order_${k}`)).toContain('note');

    const again = await cli(['migrate', 'apply']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('4 databases: 0 applied, 4 up to date, 0 failed, 0 skipped; 0 statements');

    const pending = await cli(['migrate', 'plan', '--json']);
    expect(JSON.parse(pending.stdout).migrations).toEqual([]);

    const status = await cli(['migrate', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/n2\/loan_3\s+ok\s+ok\s+\d+(\.\d)? KiB \/ 1\.0 GiB cap/);
    const json = await cli(['migrate', 'status', '--json']);
    expect(JSON.parse(json.stdout).databases[0].states).toEqual({ '1': 'success', '2': 'success' });

    const password = /:(pw-[^@]+)@/.exec(f.nodes[0]!.dsn)![1]!;
    for (const out of [before, applied, again, status, json]) expect(out.stdout + out.stderr).not.toContain(password);
  });

  it('verify exits 1 naming a hand-altered physical table; apply --canary stops on a failing canary', async () => {
    const clean = await cli(['migrate', 'verify']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('no drift');
    await rootQuery(f.nodes[0]!, 'ALTER TABLE loan_1.t_order_item_2 ADD COLUMN hotfix INT NULL');
    const drift = await cli(['migrate', 'verify']);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/t_order_item\s+16\s+2\s+1/);
    expect(drift.stdout).toContain('n1/loan_1.t_order_item_2: + `hotfix` int(11) DEFAULT NULL');
    const json = JSON.parse((await cli(['migrate', 'verify', '--json'])).stdout);
    expect(json.tables.find((t: { logicalTable: string }) => t.logicalTable === 't_order_item').drifting).toEqual([{ node: 'n1', database: 'loan_1', table: 't_order_item_2' }]);
    await rootQuery(f.nodes[0]!, 'ALTER TABLE loan_1.t_order_item_2 DROP COLUMN hotfix');

    // A migration that fails on the canary database: nothing else is touched.
    await rootQuery(f.nodes[0]!, 'ALTER TABLE loan_0.t_order_3 ADD COLUMN status INT NULL');
    writeMigration('V3__status.sql', 'ALTER TABLE t_order ADD COLUMN status TINYINT NOT NULL DEFAULT 0;\n');
    const canary = await cli(['migrate', 'apply', '--canary', '1']);
    expect(canary.code).toBe(1);
    expect(canary.stdout).toMatch(/stopped: canary failed on loan_0/);
    expect(canary.stdout).toMatch(/n1\/loan_0 failed: V3: statement 4 .*t_order_3.*Duplicate column name 'status'/);
    expect(await columns(f.nodes[1]!, 'loan_2', 't_order_0')).not.toContain('status');
    await rootQuery(f.nodes[0]!, 'ALTER TABLE loan_0.t_order_3 DROP COLUMN status');
    const resumed = await cli(['migrate', 'apply', '--canary', '1', '--json']);
    expect(resumed.code).toBe(0);
    const run = JSON.parse(resumed.stdout);
    expect(run.waves).toEqual([['loan_0'], ['loan_2', 'loan_1', 'loan_3']]);
    expect(run.verifyCanary.ok).toBe(true);
    expect(run.databases.find((d: { target: { database: string } }) => d.target.database === 'loan_0').statementsRun).toBe(1);
  });

  it('an edited applied migration is refused until repair; a missing DSN env var is a config error', async () => {
    writeMigration('V1__add_note.sql', '-- a note on every order (edited)\nALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note);\n');
    writeMigration('V4__more.sql', 'ALTER TABLE t_config ADD COLUMN owner VARCHAR(64) NULL;\n');
    const refused = await cli(['migrate', 'apply']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/V1 was applied with checksum [0-9a-f]{12} but migrations\/V1__add_note\.sql now has/);
    expect(await columns(f.nodes[0]!, 'loan_0', 't_config')).not.toContain('owner');
    const status = await cli(['migrate', 'status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('CHANGED');

    const dry = await cli(['migrate', 'repair', '--dry-run']);
    expect(dry.stdout.split('\n').filter((l) => /^would: n\d\/loan_\d V1: checksum/.test(l))).toHaveLength(4);
    const repair = await cli(['migrate', 'repair']);
    expect(repair.code).toBe(0);
    expect(repair.stdout.split('\n').filter((l) => /^n\d\/loan_\d V1: checksum [0-9a-f]{12} -> [0-9a-f]{12}/.test(l))).toHaveLength(4);
    const applied = await cli(['migrate', 'apply']);
    expect(applied.code).toBe(0);
    expect(await columns(f.nodes[0]!, 'loan_0', 't_config')).toContain('owner');

    const { SHARD_N2_DSN: _gone, ...env } = f.env;
    const missing = await cli(['migrate', 'apply'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('migrate.environments.test.nodes.n2.dsnEnv: env var SHARD_N2_DSN (DSN of node n2) is not set');
  });

  it('an unreachable node: plan, status and apply say which node and database, and exit 1', async () => {
    const env = { ...f.env, SHARD_N2_DSN: 'mysql://shardship:hidden-pass-1@127.0.0.1:1' };
    const plan = await cli(['migrate', 'plan'], env);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/error mysql n2: cannot connect \(database loan_2\): .*ECONNREFUSED/);
    expect(plan.stderr).toContain('hint: is the node up and is the DSN in its env var right?');
    const status = await cli(['migrate', 'status'], env);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/n2\/loan_2: unreachable: mysql n2: cannot connect/);
    const apply = await cli(['migrate', 'apply'], env);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(/n2\/loan_3 unreachable: mysql n2: cannot connect \(database loan_3\)/);
    for (const out of [plan, status, apply]) expect(out.stdout + out.stderr).not.toContain('hidden-pass-1');
  });
});
