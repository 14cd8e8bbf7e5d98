// Seed data: SQL files of INSERTs on logical tables, each row routed to its shard by the shard
// key exactly as a migration's data change is (migrate/rewrite.ts -> migrate/dml-routing.ts),
// on the source topology; the executor maps the source databases to the environment's. Pure.
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { splitStatements, TokenizeError } from '../migrate/sql-tokens.js';
import { analyzeStatement, routeStatement } from '../migrate/rewrite.js';
import type { Topology } from '../migrate/topology.js';
import { sha256 } from '../migrate/migration-files.js';

export interface SeedFile {
  /** As shown to people. */
  file: string;
  text: string;
}

export interface SeedPlan {
  /** sha256 over the files: a database seeded with these files is not seeded again. */
  checksum: string;
  /** Source database -> its statements, in file order. */
  byDatabase: Map<string, string[]>;
  statements: number;
}

const SEED_TYPES = new Set(['insert', 'replace', 'update', 'delete']);

export function planSeed(topology: Topology, files: readonly SeedFile[]): SeedPlan {
  const problems: ConfigProblem[] = [];
  const byDatabase = new Map<string, string[]>();
  let statements = 0;
  for (const f of files) {
    let split;
    try {
      split = splitStatements(f.text);
    } catch (e) {
      if (!(e instanceof TokenizeError)) throw e;
      problems.push({ path: '', message: e.message, position: { file: f.file, line: e.line, column: 1 }, hint: 'close the string or comment' });
      continue;
    }
    split.statements.forEach((s, i) => {
      try {
        const analyzed = analyzeStatement(f.file, { number: i + 1, sql: s.sql, line: s.line });
        if (!SEED_TYPES.has(analyzed.type)) {
          problems.push({ path: '', message: `statement ${i + 1} is ${analyzed.type.toUpperCase()}: a seed file holds data only`, position: { file: f.file, line: s.line, column: 1 }, hint: 'put schema changes in migrations; seed with INSERT ... VALUES' });
          return;
        }
        for (const [db, routed] of routeStatement(analyzed, topology)) {
          byDatabase.set(db, [...(byDatabase.get(db) ?? []), ...routed.map((r) => r.sql)]);
          statements += routed.length;
        }
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems.push(...e.problems);
      }
    });
  }
  if (problems.length) throw new ConfigError(problems, { hint: 'nothing was created; fix the seed files above' });
  return { checksum: sha256(files.map((f) => `${f.file}\0${f.text}`).join('\0')), byDatabase, statements };
}
