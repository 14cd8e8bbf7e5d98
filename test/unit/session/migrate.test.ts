// The migrate session the CLI and the pipeline share: config errors name shardship.yaml file:line,
// and a session that only plans never needs the nodes' DSNs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../pipeline/config/load.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { openMigrateSession } from '../../../pipeline/session/migrate.js';
import { removeDir, tempDir } from '../../support/service.js';

const yaml = (loan1Node: string) =>
  [
    'version: 1',
    'migrate:',
    '  environments:',
    '    staging:',
    '      nodes: { n1: { dsnEnv: N1_DSN } }',
    '      tables: { t: { kind: broadcast } }',
    `      databases: { loan_0: n1, loan_1: ${loan1Node} }`,
    '',
  ].join('\n');

let dir: string;
beforeAll(() => {
  dir = tempDir('migrate-session');
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'migrations', 'V1__create_t.sql'), 'CREATE TABLE t (id INT PRIMARY KEY);\n');
});
afterAll(() => removeDir(dir));

describe('openMigrateSession', () => {
  it('names shardship.yaml:line:column on a topology error', async () => {
    writeFileSync(join(dir, 'shardship.yaml'), yaml('n9'));
    const loaded = await loadConfig(dir, 'shardship.yaml');
    let error: unknown;
    try {
      openMigrateSession({ cwd: dir, config: loaded.config, ...(loaded.source ? { source: loaded.source } : {}), env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/shardship\.yaml:7:\d+: migrate\.environments\.staging\.databases\.loan_1: database "loan_1" is on node "n9"/);
  });

  it('plans the only environment without connecting; connecting needs the DSNs', async () => {
    writeFileSync(join(dir, 'shardship.yaml'), yaml('n1'));
    const loaded = await loadConfig(dir, 'shardship.yaml');
    const session = openMigrateSession({ cwd: dir, config: loaded.config, env: {} });
    expect(session.environment).toBe('staging');
    const plan = await session.plan();
    expect(plan.databases.map((d) => [d.target.database, d.migrations.map((m) => m.migration.version)])).toEqual([
      ['loan_0', ['1']],
      ['loan_1', ['1']],
    ]);
    expect((await session.plan(new Map([['loan_0', new Set(['1'])]]))).databases.find((d) => d.target.database === 'loan_0')?.migrations).toEqual([]);
    await expect(session.connect()).rejects.toThrow(/env var N1_DSN \(DSN of node n1\) is not set/);
  });
});
