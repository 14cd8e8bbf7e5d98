// The commit rules the gate runs. Each rule is one file in this folder, listed here.
import type { GateRule } from '../../pipeline/gate/types.js';
import { commitMessage } from './message.js';
import { commitMergePolicy } from './merge-policy.js';
import { commitIssueKey } from './issue-key.js';
import { commitSignOff } from './sign-off.js';

export const commitRules: GateRule[] = [commitMessage, commitMergePolicy, commitIssueKey, commitSignOff];
