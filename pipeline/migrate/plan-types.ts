// The migration plan: plain data computed from the topology and the migration files, before
// any shard is touched. The executor (apply) consumes it; `migrate plan --json` prints it.
import type { ShardTarget } from '../core/shards.js';

export interface PhysicalStatement {
  /** 0-based position within the migration for this database (the resume point). */
  index: number;
  /** The statement as sent to the server (original text, table names rewritten). */
  sql: string;
  /** Logical table it came from, and the physical table it targets. */
  logicalTable: string;
  physicalTable: string;
  /** Which statement of the file it came from (1-based) and its line in the file. */
  sourceStatement: number;
  sourceLine: number;
  kind: 'ddl' | 'dml';
}

export interface PlannedMigration {
  version: string;
  description: string;
  file: string;
  /** sha256 of the file's bytes, hex. */
  checksum: string;
}

export interface DatabasePlan {
  target: ShardTarget;
  migrations: { migration: PlannedMigration; statements: PhysicalStatement[] }[];
}

export interface MigrationPlan {
  environment: string;
  migrations: PlannedMigration[];
  databases: DatabasePlan[];
  /** Lint findings on the migration files (rules/sql). */
  findings: { ruleId: string; severity: 'error' | 'warn'; file: string; line: number; message: string }[];
}
