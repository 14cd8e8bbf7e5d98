// The code rules the gate runs. Each rule is one file in this folder, listed here.
import type { GateRule } from '../../pipeline/gate/types.js';
import { eslintRule } from './eslint.js';

export const codeRules: GateRule[] = [eslintRule];
