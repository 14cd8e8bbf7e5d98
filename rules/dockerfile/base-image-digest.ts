// Tags move; a digest does not. Recommended, hence a warning.
import type { GateRule } from '../../pipeline/gate/types.js';
import { fromImage, lineOf, policyRule, type DockerfilePolicy, type PolicyFinding } from './policy.js';

export const baseImageDigest: DockerfilePolicy = {
  id: 'dockerfile/base-image-digest',
  defaultSeverity: 'warn',
  description: 'Pin base images by digest (name:tag@sha256:...) so a re-pushed tag cannot change the build.',
  check(doc) {
    const out: PolicyFinding[] = [];
    for (const stage of doc.stages) {
      const img = fromImage(doc, stage);
      if (!img || img === 'scratch' || 'stage' in img || img.digest) continue;
      out.push({
        ...lineOf(stage.from),
        message: `base image ${img.name}${img.tag ? `:${img.tag}` : ''} is not pinned by digest`,
        hint: `resolve it once (docker buildx imagetools inspect ${img.name}:${img.tag ?? 'TAG'}) and write FROM ${img.name}:${img.tag ?? 'TAG'}@sha256:...`,
      });
    }
    return out;
  },
};

/** The gate rule: this policy on every Dockerfile the change adds or modifies. */
export const dockerfileBaseImageDigest: GateRule = policyRule(baseImageDigest);
