// Applied migrations are history: once a migration is on the target branch it is never
// edited, renamed or deleted (databases already ran it; the checksum would drift).
import { changeSets } from '../../pipeline/gate/changes.js';
import { isUnder, migrationsDir } from '../../pipeline/gate/migration-files.js';
import type { GateRule, RuleFinding } from '../../pipeline/gate/types.js';

const ID = 'diff/migration-immutable';

export const diffMigrationImmutable: GateRule = {
  id: ID,
  group: 'diff',
  defaultSeverity: 'error',
  description: 'A commit may not edit, rename or delete a migration that already exists on the target branch (migrate.directory).',
  async check(ctx) {
    const dir = migrationsDir(ctx, ID);
    const sets = changeSets(ctx.subject);
    const rewound = (ctx.subject.rewound ?? []).filter((f) => isUnder(f.path, dir) || isUnder(f.oldPath, dir));
    const touches = rewound.length > 0 || sets.some((s) => s.files.some((f) => isUnder(f.path, dir) || isUnder(f.oldPath, dir)));
    if (!touches) return [];
    const existing = new Set(await ctx.subject.listAtBase(dir));
    const findings: RuleFinding[] = [];
    // A force push compared with the branch's previous tip: what it takes away was applied.
    const branch = ctx.subject.label ?? 'the branch';
    for (const f of rewound) {
      const path = f.status === 'renamed' ? f.oldPath : f.path;
      if (!isUnder(path, dir) || !existing.has(path)) continue;
      const verb = f.status === 'deleted' || f.status === 'renamed' ? 'removed' : 'changed';
      findings.push({ ruleId: ID, file: path, message: `applied migration ${path} is ${verb} by a force push that rewrites ${branch}`, hint: 'migrations are immutable: push history that keeps it unchanged, and write a new migration (a higher V<version>) instead' });
    }
    for (const set of sets) {
      for (const f of set.files) {
        const where = { ...(set.commit ? { commit: set.commit } : {}) };
        if (f.status === 'renamed' && isUnder(f.oldPath, dir) && existing.has(f.oldPath)) {
          findings.push({ ruleId: ID, ...where, file: f.oldPath, message: `applied migration ${f.oldPath} was renamed to ${f.path}`, hint: 'migrations are immutable: restore the old name and add a new migration for the change' });
        } else if ((f.status === 'modified' || f.status === 'deleted' || f.status === 'type-changed') && isUnder(f.path, dir) && existing.has(f.path)) {
          const verb = f.status === 'deleted' ? 'deleted' : 'edited';
          findings.push({ ruleId: ID, ...where, file: f.path, message: `applied migration ${f.path} was ${verb}`, hint: 'migrations are immutable: revert this change and write a new migration (a higher V<version>) instead' });
        }
      }
    }
    return findings;
  },
};
