// shardship build action: build the image (pushed on push events, not on pull requests).
import { runAction } from '../../pipeline/events/action.js';
import { buildStage } from '../../pipeline/events/wire-build.js';

await runAction({ only: ['build'] }, buildStage);
