// The commit rules the gate runs. Each rule is one file in this folder, listed here.
import type { GateRule } from '../../pipeline/gate/types.js';

export const commitRules: GateRule[] = [];
