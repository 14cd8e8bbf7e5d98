// The one rule registry: every group's rules, in the order the gate reports them.
import type { GateRule } from '../pipeline/gate/types.js';
import { commitRules } from './commit/index.js';
import { diffRules } from './diff/index.js';
import { codeRules } from './code/index.js';
import { sqlRules } from './sql/index.js';
import { dockerfileRules } from './dockerfile/index.js';

export const allRules: GateRule[] = [...commitRules, ...diffRules, ...codeRules, ...sqlRules, ...dockerfileRules];
