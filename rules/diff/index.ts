// The diff rules the gate runs. Each rule is one file in this folder, listed here.
import type { GateRule } from '../../pipeline/gate/types.js';
import { diffSecrets } from './secrets.js';
import { diffMaxFileSize } from './max-file-size.js';
import { diffBinaryFiles } from './binary-files.js';
import { diffForbiddenPaths } from './forbidden-paths.js';
import { diffConflictMarkers } from './conflict-markers.js';
import { diffMigrationImmutable } from './migration-immutable.js';
import { diffMigrationVersion } from './migration-version.js';

export const diffRules: GateRule[] = [
  diffSecrets,
  diffMaxFileSize,
  diffBinaryFiles,
  diffForbiddenPaths,
  diffConflictMarkers,
  diffMigrationImmutable,
  diffMigrationVersion,
];
