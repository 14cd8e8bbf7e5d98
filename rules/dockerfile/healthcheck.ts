// Something must say how to tell the service is healthy: a HEALTHCHECK, or a comment that
// documents the probe used instead (Kubernetes probes do not read HEALTHCHECK).
import type { Healthcheck } from 'dockerfile-ast';
import type { GateRule } from '../../pipeline/gate/types.js';
import { lineOf, shippedStages, policyRule, type DockerfilePolicy } from './policy.js';

/** `# probe: httpGet /healthz on 8080 (deploy-templates/app/deployment.yaml)` */
export const PROBE_COMMENT = 'probe:';

export const healthcheck: DockerfilePolicy = {
  id: 'dockerfile/healthcheck',
  defaultSeverity: 'error',
  description: 'The image needs a HEALTHCHECK, or a `# probe: <how it is probed>` comment documenting the orchestrator probe.',
  check(doc) {
    const chain = shippedStages(doc);
    const final = chain[0];
    if (!final) return [];
    const documented = doc.comments.some((c) => {
      const t = c.getContent().trim();
      return t.toLowerCase().startsWith(PROBE_COMMENT) && t.slice(PROBE_COMMENT.length).trim().length > 0;
    });
    for (const stage of chain) {
      const hc = stage.instructions.filter((i) => i.getKeyword() === 'HEALTHCHECK').at(-1) as Healthcheck | undefined;
      if (!hc) continue;
      if (hc.getSubcommand()?.getValue().toUpperCase() === 'NONE' && !documented) {
        return [{ ...lineOf(hc), message: 'HEALTHCHECK NONE switches health checking off and no probe is documented', hint: 'add a HEALTHCHECK CMD, or a `# probe: ...` comment saying how the service is probed' }];
      }
      return [];
    }
    if (documented) return [];
    return [
      {
        ...lineOf(final.from),
        message: 'no HEALTHCHECK and no documented probe',
        hint: 'add e.g. HEALTHCHECK CMD wget -qO- http://127.0.0.1:8080/healthz || exit 1, or a comment `# probe: httpGet /healthz:8080 (Kubernetes)`',
      },
    ];
  },
};

/** The gate rule: this policy on every Dockerfile the change adds or modifies. */
export const dockerfileHealthcheck: GateRule = policyRule(healthcheck);
