// The shipped image must not run as root: a container escape then starts as root.
import type { Instruction } from 'dockerfile-ast';
import type { GateRule } from '../../pipeline/gate/types.js';
import { lineOf, shippedStages, policyRule, type DockerfilePolicy } from './policy.js';

function isRoot(user: string): boolean {
  const who = user.split(':')[0]!.trim();
  return who === 'root' || who === '0' || who === '';
}

export const nonRootUser: DockerfilePolicy = {
  id: 'dockerfile/non-root-user',
  defaultSeverity: 'error',
  description: 'The final stage must switch to a non-root USER.',
  check(doc) {
    const chain = shippedStages(doc);
    const final = chain[0];
    if (!final) return [];
    // The last USER along the chain of stages the image is built from wins.
    let last: Instruction | undefined;
    for (const stage of chain) {
      last = stage.instructions.filter((i) => i.getKeyword() === 'USER').at(-1);
      if (last) break;
    }
    if (!last) {
      return [{ ...lineOf(final.from), message: 'the image runs as root: the final stage has no USER', hint: 'add `USER 10001` (or a named non-root user) after installing packages' }];
    }
    const user = last.getArgumentsContent() ?? '';
    if (isRoot(user)) {
      return [{ ...lineOf(last), message: `the image runs as root (USER ${user.trim()})`, hint: 'end the final stage with a non-root USER, e.g. USER 10001' }];
    }
    return [];
  },
};

/** The gate rule: this policy on every Dockerfile the change adds or modifies. */
export const dockerfileNonRootUser: GateRule = policyRule(nonRootUser);
