// ADD also fetches URLs and unpacks archives; for plain local files COPY says what happens.
import type { Add } from 'dockerfile-ast';
import type { GateRule } from '../../pipeline/gate/types.js';
import { lineOf, policyRule, type DockerfilePolicy, type PolicyFinding } from './policy.js';

const ARCHIVE = ['.tar', '.tar.gz', '.tgz', '.tar.bz2', '.tbz2', '.tar.xz', '.txz', '.tar.zst'];

function isRemote(src: string): boolean {
  return /^(https?|git):\/\//i.test(src) || src.startsWith('git@');
}

export const copyNotAdd: DockerfilePolicy = {
  id: 'dockerfile/copy-not-add',
  defaultSeverity: 'error',
  description: 'Use COPY, not ADD, for local files (ADD is for URLs and for unpacking local tar archives).',
  check(doc) {
    const out: PolicyFinding[] = [];
    for (const ins of doc.ast.getInstructions()) {
      if (ins.getKeyword() !== 'ADD') continue;
      const args = (ins as Add).getArguments().map((a) => a.getValue());
      const sources = args.slice(0, -1);
      const local = sources.filter((s) => !isRemote(s) && !ARCHIVE.some((ext) => s.toLowerCase().endsWith(ext)));
      if (local.length) {
        out.push({ ...lineOf(ins), message: `ADD of local ${local.join(', ')}: use COPY`, hint: `write COPY ${args.join(' ')}` });
      }
    }
    return out;
  },
};

/** The gate rule: this policy on every Dockerfile the change adds or modifies. */
export const dockerfileCopyNotAdd: GateRule = policyRule(copyNotAdd);
