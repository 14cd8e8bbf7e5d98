// Without ALGORITHM/LOCK the server may silently pick a table copy that blocks writes for
// the whole rebuild; stating them makes the server refuse instead.
import { isAlterLike } from '../../pipeline/migrate/sql-ast.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';
import { isSignificant, tokenize } from '../../pipeline/migrate/sql-tokens.js';

export const onlineDdl: SqlLintRule = {
  id: 'sql/online-ddl',
  defaultSeverity: 'warn',
  description: 'ALTER / CREATE INDEX / DROP INDEX without ALGORITHM=INSTANT|INPLACE or LOCK=NONE may block writes while it rebuilds.',
  check({ statements }) {
    const out = [];
    for (const st of statements) {
      if (!isAlterLike(st)) continue;
      const words = tokenize(st.sql).filter(isSignificant).map((t) => t.text.toUpperCase());
      if (!words.includes('ALGORITHM') && !words.includes('LOCK')) {
        out.push({ line: st.line, message: `${st.type.toUpperCase()} on ${st.tables[0]} states no ALGORITHM/LOCK: add ALGORITHM=INPLACE, LOCK=NONE (or INSTANT)` });
      }
    }
    return out;
  },
};
