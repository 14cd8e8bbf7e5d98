// Versioned migration file names (Flyway style `V<version>__<description>.sql`) and their order.
import type { RuleContext } from './types.js';
import { isString, option } from './changes.js';
import { compareVersions as compareVersionText, VERSIONED_MIGRATION_NAME } from '../migrate/migration-files.js';

const REPEATABLE = /^R__.+\.sql$/;

export interface MigrationName {
  version: number[];
  /** As written in the file name, e.g. `1_2`. */
  versionText: string;
  description: string;
}

/** The migrate stage's rule: a name `migrate apply` would refuse (`V1__a b.sql`) is no migration here either. */
export function parseMigrationName(path: string): MigrationName | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const m = VERSIONED_MIGRATION_NAME.exec(name);
  if (!m) return undefined;
  return { version: m[1]!.split(/[._]/).map(Number), versionText: m[1]!, description: m[2]! };
}

export function isRepeatableMigration(path: string): boolean {
  return REPEATABLE.test(path.slice(path.lastIndexOf('/') + 1));
}

/** Numeric comparison part by part (1.10 > 1.9, 1 == 1.0): the migrate stage's order, so both agree. */
export function compareVersions(a: number[], b: number[]): number {
  return compareVersionText(a.join('.'), b.join('.'));
}

/** The migrations folder: rule option `directory`, else migrate.directory, else `migrations`. */
export function migrationsDir(ctx: RuleContext, ruleId: string): string {
  const dir = option(ruleId, ctx.options, 'directory', ctx.config.migrate?.directory ?? 'migrations', isString, 'a folder path');
  return dir.replace(/^\.\//, '').replace(/\/+$/, '');
}

export function isUnder(path: string | undefined, dir: string): path is string {
  return path !== undefined && (dir === '' || dir === '.' || path.startsWith(`${dir}/`));
}
