// utf8 (utf8mb3) and latin1 cannot store every character; a table created without a
// charset takes the server default (latin1 on a stock MariaDB).
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';
import { isSignificant, tokenize } from '../../pipeline/migrate/sql-tokens.js';

export const charsetRule: SqlLintRule = {
  id: 'sql/charset',
  defaultSeverity: 'error',
  description: 'Character set or collation other than utf8mb4, or CREATE TABLE without DEFAULT CHARSET=utf8mb4.',
  check({ statements }) {
    const out = [];
    for (const st of statements) {
      if (st.kind !== 'ddl') continue;
      const sig = tokenize(st.sql, st.line).filter(isSignificant);
      let declared = false;
      for (let i = 0; i < sig.length; i++) {
        const w = sig[i]!.type === 'word' ? sig[i]!.text.toUpperCase() : '';
        let valueAt = -1;
        if (w === 'CHARSET') valueAt = i + 1;
        else if (w === 'CHARACTER' && sig[i + 1]?.text.toUpperCase() === 'SET') valueAt = i + 2;
        else if (w === 'COLLATE') valueAt = i + 1;
        if (valueAt < 0) continue;
        if (sig[valueAt]?.text === '=') valueAt++;
        const value = sig[valueAt]?.value;
        if (!value) continue;
        declared = true;
        if (!value.toLowerCase().startsWith('utf8mb4')) out.push({ line: sig[i]!.line, message: `${w === 'COLLATE' ? 'collation' : 'charset'} ${value} on ${st.tables[0]}: use utf8mb4` });
      }
      if (st.type === 'create' && st.keyword === 'table' && !st.ast.like && !declared) {
        out.push({ line: st.line, message: `CREATE TABLE ${st.tables[0]} without DEFAULT CHARSET=utf8mb4 takes the server default (latin1 on stock MariaDB)` });
      }
    }
    return out;
  },
};
