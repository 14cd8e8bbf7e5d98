import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { compareVersions, parseMigrationName, readMigrations } from '../../../pipeline/migrate/migration-files.js';
import { removeTempProjects, tempProject } from './helpers.js';

afterAll(removeTempProjects);

describe('migration files', () => {
  it('parses Flyway names', () => {
    expect(parseMigrationName('V1__init.sql')).toEqual({ version: '1', description: 'init' });
    expect(parseMigrationName('V2_1__add_order_note.sql')).toEqual({ version: '2.1', description: 'add order note' });
    expect(parseMigrationName('V2024.06.01__x.sql')).toEqual({ version: '2024.06.01', description: 'x' });
    expect(parseMigrationName('R__view.sql')).toBeUndefined();
    expect(parseMigrationName('V1_init.sql')).toBeUndefined();
    expect(parseMigrationName('V1__a b.sql')).toBeUndefined();
  });

  it('compares versions numerically part by part', () => {
    expect(compareVersions('1.10', '1.9')).toBe(1);
    expect(compareVersions('2', '2.0')).toBe(0);
    expect(compareVersions('10', '9')).toBe(1);
    expect(compareVersions('20240101120000', '20240101120001')).toBe(-1);
  });

  it('reads, orders, checksums and splits files; strings and comments may hold semicolons', async () => {
    const dir = await tempProject({
      'V10__later.sql': 'ALTER TABLE t_order ADD COLUMN z INT;\n',
      'V2__second.sql': "-- a comment; with a semicolon\nINSERT INTO t_config (k, v) VALUES ('a;b', \"c;d\");\n\n/* block;\n comment */\nUPDATE t_config\n  SET v = 'x'\n  WHERE k = 'a;b'\n",
      'V1_1__first.sql': 'CREATE TABLE t_region (id INT PRIMARY KEY) # trailing ; comment\n',
      'README.md': 'not a migration',
    });
    const files = await readMigrations(join(dir, 'migrations'), { cwd: dir });
    expect(files.map((f) => f.version)).toEqual(['1.1', '2', '10']);
    expect(files[0]!.file).toBe('migrations/V1_1__first.sql');
    const bytes = await readFile(join(dir, 'migrations', 'V2__second.sql'));
    expect(files[1]!.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(files[1]!.statements).toEqual([
      { number: 1, sql: "INSERT INTO t_config (k, v) VALUES ('a;b', \"c;d\")", line: 2 },
      { number: 2, sql: "UPDATE t_config\n  SET v = 'x'\n  WHERE k = 'a;b'", line: 6 },
    ]);
    expect(files[0]!.statements).toHaveLength(1);
    expect(files[1]!.comments[0]).toEqual({ line: 1, text: '-- a comment; with a semicolon' });
  });

  it('refuses bad names, duplicate versions and unterminated strings with file:line', async () => {
    const dir = await tempProject({
      'V1__a.sql': 'SELECT 1;',
      'V1_0__b.sql': 'SELECT 1;',
      'add_column.sql': 'SELECT 1;',
      'V3__c.sql': "SELECT 1;\nINSERT INTO t VALUES ('oops);\n",
    });
    let problems: ConfigError['problems'] = [];
    try {
      await readMigrations(join(dir, 'migrations'), { cwd: dir });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    const messages = problems.map((p) => `${p.position?.file}:${p.position?.line} ${p.message}`);
    expect(messages).toContain('migrations/add_column.sql:1 "migrations/add_column.sql" is not a versioned migration name');
    expect(messages).toContain('migrations/V3__c.sql:2 unterminated string');
    expect(messages.some((m) => /version 1(\.0)? is used twice/.test(m))).toBe(true);
  });

  it('says when the directory is missing', async () => {
    const dir = await tempProject({});
    await expect(readMigrations(join(dir, 'nope'), { cwd: dir })).rejects.toThrow(/cannot read the migrations directory nope/);
  });
});
