// Base images must name a version: `latest` or no tag rebuilds on whatever was pushed last.
import type { GateRule } from '../../pipeline/gate/types.js';
import { fromImage, lineOf, policyRule, type DockerfilePolicy, type PolicyFinding } from './policy.js';

export const baseImageTag: DockerfilePolicy = {
  id: 'dockerfile/base-image-tag',
  defaultSeverity: 'error',
  description: 'FROM must name a tagged base image (not `latest`, not untagged) or pin a digest.',
  check(doc) {
    const out: PolicyFinding[] = [];
    for (const stage of doc.stages) {
      const img = fromImage(doc, stage);
      if (!img || img === 'scratch' || 'stage' in img || img.digest) continue;
      if (!img.tag || img.tag.toLowerCase() === 'latest') {
        out.push({
          ...lineOf(stage.from),
          message: `base image ${img.name}${img.tag ? ':latest' : ''} is ${img.tag ? 'tagged latest' : 'untagged (means latest)'}: builds change whenever it is re-pushed`,
          hint: `pin a version, e.g. FROM ${img.name}:<version>, or a digest FROM ${img.name}@sha256:...`,
        });
      }
    }
    return out;
  },
};

/** The gate rule: this policy on every Dockerfile the change adds or modifies. */
export const dockerfileBaseImageTag: GateRule = policyRule(baseImageTag);
