// shardship pipeline action: the whole flow for the current event (see docs/github.md).
import { runAction } from '../../pipeline/events/action.js';
import { migrateStage } from '../../pipeline/events/wire-migrate.js';
import { releaseStage } from '../../pipeline/events/wire-release.js';
import { gateStage } from '../../pipeline/events/wire-gate.js';
import { buildStage } from '../../pipeline/events/wire-build.js';

await runAction({}, (w) => ({
  ...gateStage(w, { findingsFile: w.input('findings-file') || undefined, sarifFile: w.input('sarif-file') || undefined }),
  ...buildStage(w),
  ...migrateStage(w),
  ...releaseStage(w),
}));
