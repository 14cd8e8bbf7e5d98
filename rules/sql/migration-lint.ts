// Gate rule: lint the migration files a change adds or modifies, with the same rules and
// severities as `migrate lint`. Earlier migrations (as they are at head) build the schema
// the lossy-change rule compares against; only the changed files are reported.
import { posix } from 'node:path';
import { ConfigError } from '../../pipeline/core/errors.js';
import type { GateRule, RuleFinding } from '../../pipeline/gate/types.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';
import { compareVersions, parseMigrationFile, parseMigrationName, type MigrationFile } from '../../pipeline/migrate/migration-files.js';

export function createMigrationLintRule(rules: readonly SqlLintRule[]): GateRule {
  return {
    id: 'sql/migration-lint',
    group: 'sql',
    defaultSeverity: 'error',
    description: 'Runs the SQL lint rules (migrate.rules) on added or modified migration files.',
    async check({ subject, config }): Promise<RuleFinding[]> {
      const dir = posix.normalize(config.migrate?.directory ?? 'migrations').replace(/\/$/, '');
      const inDir = (p: string): boolean => posix.dirname(p) === dir && p.toLowerCase().endsWith('.sql');
      const changed = subject.net.filter((f) => (f.status === 'added' || f.status === 'modified' || f.status === 'renamed' || f.status === 'copied') && inDir(f.path));
      if (!changed.length) return [];
      const findings: RuleFinding[] = [];
      const paths = new Set(changed.map((f) => f.path));
      for (const name of await subject.listAtBase(dir)) {
        const base = name.split('/').pop()!;
        paths.add(`${dir}/${base}`);
      }
      const files: MigrationFile[] = [];
      for (const path of paths) {
        if (!parseMigrationName(posix.basename(path))) {
          if (changed.some((f) => f.path === path)) {
            findings.push({ ruleId: 'sql/migration-name', file: path, line: 1, message: `${posix.basename(path)} is not named V<version>__<description>.sql` });
          }
          continue;
        }
        const bytes = await subject.readAtHead(path);
        if (!bytes) continue;
        try {
          files.push(parseMigrationFile(path, bytes));
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          for (const p of e.problems) findings.push({ ruleId: 'sql/syntax', file: path, line: p.position?.line ?? 1, message: p.message });
        }
      }
      files.sort((a, b) => compareVersions(a.version, b.version));
      // Loaded on use: the SQL parser takes most of a second to load, and most changes touch no migration.
      const { lintMigrations, lintTopologyFrom } = await import('../../pipeline/migrate/lint.js');
      const lint = lintMigrations(files, {
        rules,
        settings: config.migrate?.rules ?? {},
        ...withTopology(lintTopologyFrom(config.migrate)),
        only: new Set(changed.map((f) => f.path)),
      });
      for (const f of lint) findings.push({ ruleId: f.ruleId, severity: f.severity, file: f.file, line: f.line, message: f.message });
      return findings;
    },
  };
}

function withTopology<T>(t: T | undefined): { topology?: T } {
  return t === undefined ? {} : { topology: t };
}
