// The SQL lint rules (one file each, listed here) and the gate rule that runs them on
// changed migration files.
import type { GateRule } from '../../pipeline/gate/types.js';
import type { SqlLintRule } from '../../pipeline/migrate/lint.js';
import { autoIncrementSharded } from './auto-increment-sharded.js';
import { charsetRule } from './charset.js';
import { destructiveDrop } from './destructive-drop.js';
import { foreignKey } from './foreign-key.js';
import { lossyColumnChange } from './lossy-column-change.js';
import { createMigrationLintRule } from './migration-lint.js';
import { missingPrimaryKey } from './missing-primary-key.js';
import { mixedDdlDml } from './mixed-ddl-dml.js';
import { multipleAlters } from './multiple-alters.js';
import { notNullWithoutDefault } from './not-null-without-default.js';
import { onlineDdl } from './online-ddl.js';
import { physicalShardName } from './physical-shard-name.js';
import { renameRule } from './rename.js';
import { uniqueWithoutShardKey } from './unique-without-shard-key.js';

export const sqlLintRules: SqlLintRule[] = [
  destructiveDrop,
  lossyColumnChange,
  notNullWithoutDefault,
  renameRule,
  missingPrimaryKey,
  foreignKey,
  autoIncrementSharded,
  uniqueWithoutShardKey,
  physicalShardName,
  multipleAlters,
  mixedDdlDml,
  charsetRule,
  onlineDdl,
];

export const sqlRules: GateRule[] = [createMigrationLintRule(sqlLintRules)];
