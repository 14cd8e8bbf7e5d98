// shardship gate action: gate the pushed range or the pull request (commits + title).
import { runAction } from '../../pipeline/events/action.js';
import { gateStage } from '../../pipeline/events/wire-gate.js';

await runAction({ only: ['gate'] }, (w) => gateStage(w, { findingsFile: w.input('findings-file') || undefined, sarifFile: w.input('sarif-file') || undefined }));
