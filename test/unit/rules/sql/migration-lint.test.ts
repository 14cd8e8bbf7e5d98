// The gate rule on a real git repository: only migration files the range adds or
// modifies are reported; earlier migrations still inform the lossy-change rule.
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../pipeline/config/load.js';
import { collectSubjects } from '../../../../pipeline/gate/subject.js';
import { GitRepo } from '../../../../pipeline/git/repo.js';
import { sqlRules } from '../../../../rules/sql/index.js';
import { SAMPLE_TOPOLOGY_YAML } from '../../migrate/helpers.js';
import { TempRepo } from '../../gate/git-fixture.js';

const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos) r.remove();
});

describe('gate rule sql/migration-lint', () => {
  it('lints added and modified migrations in the range, with migrate.rules severities', async () => {
    const repo = TempRepo.create({ prefix: 'sql-gate' });
    repos.push(repo);
    const yaml = SAMPLE_TOPOLOGY_YAML + '  rules:\n    sql/online-ddl: off\n';
    const base = repo.commit('chore: base', {
      'shardship.yaml': yaml,
      'migrations/V1__base.sql': 'CREATE TABLE t_order (id BIGINT NOT NULL, user_id BIGINT NOT NULL, note VARCHAR(64) NULL, PRIMARY KEY (id)) DEFAULT CHARSET=utf8mb4;\nTRUNCATE TABLE t_config;\n',
    });
    const head = repo.commit('feat: shrink note', {
      'migrations/V2__shrink.sql': '\nALTER TABLE t_order MODIFY COLUMN note VARCHAR(8) NULL;\n',
      'migrations/notes.sql': 'SELECT 1;',
      'src/app.ts': 'export {};\n',
    });
    const [subject] = await collectSubjects(new GitRepo(repo.dir), { kind: 'range', from: base, to: head }, { withFiles: true });
    const config = parseConfig('shardship.yaml', yaml);
    const rule = sqlRules.find((r) => r.id === 'sql/migration-lint')!;
    const findings = await rule.check({ subject: subject!, config, gate: config.gate, options: {}, allLines: false });
    const shown = findings.map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.severity ?? ''}`).sort();
    // V1 is not in the range (its DROP is not reported); the schema it built still makes V2's MODIFY lossy.
    expect(shown).toEqual(['migrations/V2__shrink.sql:2 sql/lossy-column-change error', 'migrations/notes.sql:1 sql/migration-name ']);
  });

  it('reports nothing when no migration changed', async () => {
    const repo = TempRepo.create({ prefix: 'sql-gate' });
    repos.push(repo);
    const base = repo.commit('chore: base', { 'shardship.yaml': SAMPLE_TOPOLOGY_YAML, 'migrations/V1__x.sql': 'DROP TABLE t_order;\n' });
    const head = repo.commit('docs: readme', { 'README.md': '# x\n' });
    const [subject] = await collectSubjects(new GitRepo(repo.dir), { kind: 'range', from: base, to: head }, { withFiles: true });
    const config = parseConfig('shardship.yaml', SAMPLE_TOPOLOGY_YAML);
    const findings = await sqlRules[0]!.check({ subject: subject!, config, gate: config.gate, options: {}, allLines: false });
    expect(findings).toEqual([]);
  });
});
