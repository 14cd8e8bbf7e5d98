// New migrations run after everything already on the target branch: their version must be
// higher than every existing one, and no two migrations may share a version.
import { changeSets } from '../../pipeline/gate/changes.js';
import { compareVersions, isRepeatableMigration, isUnder, migrationsDir, parseMigrationName, type MigrationName } from '../../pipeline/gate/migration-files.js';
import type { GateRule, RuleFinding } from '../../pipeline/gate/types.js';

const ID = 'diff/migration-version';

export const diffMigrationVersion: GateRule = {
  id: ID,
  group: 'diff',
  defaultSeverity: 'error',
  description: 'A new migration is named V<version>__<description>.sql, its version is above every version on the target branch, and versions are unique.',
  async check(ctx) {
    const dir = migrationsDir(ctx, ID);
    const sets = changeSets(ctx.subject);
    const added = sets.flatMap((s) => s.files.filter((f) => f.status !== 'deleted' && f.status !== 'modified' && isUnder(f.path, dir) && f.path.endsWith('.sql')).map((f) => ({ commit: s.commit, path: f.path })));
    if (!added.length) return [];
    const atBase = await ctx.subject.listAtBase(dir);
    const existing = new Set(atBase);
    const baseVersions = atBase.map((p) => ({ path: p, name: parseMigrationName(p) })).filter((x): x is { path: string; name: MigrationName } => x.name !== undefined);
    const latest = baseVersions.reduce<{ path: string; name: MigrationName } | undefined>((m, x) => (!m || compareVersions(x.name.version, m.name.version) > 0 ? x : m), undefined);
    const findings: RuleFinding[] = [];
    const seenNew: { path: string; name: MigrationName }[] = [];
    const seenPaths = new Set<string>();
    for (const a of added) {
      // Already on the target branch (e.g. brought in by a merge): not new.
      if (existing.has(a.path) || seenPaths.has(a.path)) continue;
      seenPaths.add(a.path);
      const where = { ...(a.commit ? { commit: a.commit } : {}), file: a.path };
      if (isRepeatableMigration(a.path)) continue;
      const name = parseMigrationName(a.path);
      if (!name) {
        findings.push({ ruleId: ID, ...where, message: `${a.path} is not named V<version>__<description>.sql`, hint: 'rename it, e.g. V7__add_loan_status.sql' });
        continue;
      }
      const dup = [...baseVersions, ...seenNew].find((x) => compareVersions(x.name.version, name.version) === 0);
      if (dup) {
        findings.push({ ruleId: ID, ...where, message: `migration version ${name.versionText} is already used by ${dup.path}`, hint: 'give the new migration the next free version' });
      } else if (latest && compareVersions(name.version, latest.name.version) <= 0) {
        findings.push({ ruleId: ID, ...where, message: `migration version ${name.versionText} is not above the latest on the target branch (${latest.name.versionText}, ${latest.path})`, hint: `rename it to a version above ${latest.name.versionText}` });
      }
      seenNew.push({ path: a.path, name });
    }
    return findings;
  },
};
