import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../pipeline/config/load.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { renderPlanMarkdown } from '../../../pipeline/migrate/markdown.js';
import { planMigrations } from '../../../pipeline/migrate/plan.js';
import { renderPlanText } from '../../../pipeline/migrate/plan-text.js';
import { removeTempProjects, tempProject } from './helpers.js';

afterAll(removeTempProjects);

const V1 = `-- orders and config
CREATE TABLE t_order (
  id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  PRIMARY KEY (id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE t_config (k VARCHAR(64) PRIMARY KEY, v TEXT) DEFAULT CHARSET=utf8mb4;
CREATE TABLE t_audit (id BIGINT PRIMARY KEY, what TEXT) DEFAULT CHARSET=utf8mb4;
`;
const V2 = `ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE t_user ADD COLUMN nick VARCHAR(64) NULL, ALGORITHM=INSTANT;
`;

async function plan(files: Record<string, string>, applied?: Map<string, Set<string>>) {
  const cwd = await tempProject(files);
  const loaded = await loadConfig(cwd);
  return planMigrations({ cwd, config: loaded.config, configSource: loaded.source!, environment: 'prod', ...(applied ? { applied } : {}) });
}

describe('migration plan', () => {
  it('counts physical statements per database', async () => {
    const p = await plan({ 'V1__init.sql': V1, 'V2__notes.sql': V2 });
    expect(p.environment).toBe('prod');
    expect(p.migrations.map((m) => [m.version, m.description, m.file])).toEqual([
      ['1', 'init', 'migrations/V1__init.sql'],
      ['2', 'notes', 'migrations/V2__notes.sql'],
    ]);
    expect(p.migrations[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    const counts = Object.fromEntries(p.databases.map((d) => [d.target.database, d.migrations.map((m) => m.statements.length)]));
    // loan_0: 4 t_order + t_config + t_audit; then 4 t_order + 2 t_user
    expect(counts).toEqual({ loan_0: [6, 6], loan_1: [5, 6], loan_2: [5, 6], loan_3: [5, 6] });
    expect(p.databases.map((d) => d.target)).toEqual([
      { node: 'n1', database: 'loan_0' },
      { node: 'n1', database: 'loan_1' },
      { node: 'n2', database: 'loan_2' },
      { node: 'n2', database: 'loan_3' },
    ]);
    const st = p.databases[3]!.migrations[1]!.statements;
    expect(st.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(st[5]).toEqual({
      index: 5,
      sql: 'ALTER TABLE t_user_1 ADD COLUMN nick VARCHAR(64) NULL, ALGORITHM=INSTANT',
      logicalTable: 't_user',
      physicalTable: 't_user_1',
      sourceStatement: 2,
      sourceLine: 2,
      kind: 'ddl',
    });
    expect(p.databases[0]!.migrations[0]!.statements[0]!.sourceLine).toBe(2);
    expect(p.findings).toEqual([]);
  });

  it('leaves out what a database already applied', async () => {
    const applied = new Map([
      ['loan_0', new Set(['1', '2'])],
      ['loan_1', new Set(['1'])],
    ]);
    const p = await plan({ 'V1__init.sql': V1, 'V2__notes.sql': V2 }, applied);
    expect(p.databases.map((d) => d.migrations.map((m) => m.migration.version))).toEqual([[], ['2'], ['1', '2'], ['1', '2']]);
    expect(p.migrations.map((m) => m.version)).toEqual(['1', '2']);
  });

  it('stops on any bad statement before planning anything, listing every problem', async () => {
    let err: unknown;
    try {
      await plan({ 'V1__init.sql': V1, 'V2__bad.sql': 'ALTER TABLE t_order ADD COLUMN x INT;\nALTER TABLE t_nope ADD y INT;\nALTER TABLE t_order FROBNICATE;\n' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const where = (err as ConfigError).problems.map((p) => `${p.position?.file}:${p.position?.line}`);
    expect(where).toEqual(['migrations/V2__bad.sql:2', 'migrations/V2__bad.sql:3']);
    expect((err as ConfigError).hint).toMatch(/nothing was planned or applied/);
  });

  it('carries lint findings and renders text and markdown', async () => {
    const p = await plan({ 'V1__init.sql': V1, 'V2__drop.sql': 'ALTER TABLE t_order DROP COLUMN note, ALGORITHM=INPLACE, LOCK=NONE;\n' });
    expect(p.findings).toEqual([{ ruleId: 'sql/destructive-drop', severity: 'error', file: 'migrations/V2__drop.sql', line: 1, message: 'DROP COLUMN note on t_order destroys data' }]);
    const out = memoryOutput();
    const text = renderPlanText(p, out.paint);
    expect(text[0]).toBe('Migration plan for prod: 2 pending migration(s), 37 physical statement(s) in 4/4 database(s) on 2 node(s)');
    expect(text).toContain('node n1  19 statement(s)');
    expect(text).toContain('      migrations/V2__drop.sql:1 ALTER TABLE t_order_0 DROP COLUMN note, ALGORITHM=INPLACE, LOCK=NONE × 4 (t_order_0..t_order_3)');
    expect(text).toContain('Rules fired: sql/destructive-drop ×1');
    const md = renderPlanMarkdown(p);
    expect(md).toContain('| V2 drop | `migrations/V2__drop.sql` | 16 | 4 |');
    expect(md).toContain('| ❌ | `sql/destructive-drop` | `migrations/V2__drop.sql:1` | DROP COLUMN note on t_order destroys data |');
    expect(md).toMatch(/<details><summary>Statements per node and database<\/summary>[\s\S]*\| n2 \| loan_3 \| 2 \| 9 \|[\s\S]*<\/details>/);
  });
});
