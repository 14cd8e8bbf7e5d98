// DDL auto-commits and DML does not: a file mixing both cannot be resumed cleanly and
// holds data changes hostage to schema rebuilds.
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';

export const mixedDdlDml: SqlLintRule = {
  id: 'sql/mixed-ddl-dml',
  defaultSeverity: 'error',
  description: 'DDL and DML in one migration: put data changes in their own migration.',
  check({ statements }) {
    const ddl = statements.find((s) => s.kind === 'ddl');
    const dml = statements.find((s) => s.kind === 'dml');
    if (!ddl || !dml) return [];
    const later = ddl.line > dml.line ? ddl : dml;
    return [{ line: later.line, message: `mixes DDL (line ${ddl.line}) and DML (line ${dml.line}): split the migration` }];
  },
};
