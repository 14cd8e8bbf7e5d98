// ENV and ARG defaults are baked into the image config and history for anyone who pulls it.
import type { Arg, Env, Property } from 'dockerfile-ast';
import { looksSecretName } from '../../pipeline/core/redact.js';
import type { GateRule } from '../../pipeline/gate/types.js';
import { lineOf, policyRule, type DockerfilePolicy, type PolicyFinding } from './policy.js';

/** Values that are credentials whatever their name. */
const CREDENTIAL_SHAPES = [/^AKIA[0-9A-Z]{16}$/, /^gh[pousr]_[A-Za-z0-9]{30,}$/, /^xox[abpr]-[A-Za-z0-9-]{10,}$/, /^glpat-[A-Za-z0-9_-]{20,}$/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/];

function check(prop: Property, keyword: string): PolicyFinding | undefined {
  const name = prop.getName();
  const value = prop.getValue();
  if (!value) return undefined;
  // A reference to another variable passes a value through; it holds no literal secret.
  if (value.startsWith('$')) return undefined;
  const shaped = CREDENTIAL_SHAPES.some((re) => re.test(value));
  if (!shaped && !looksSecretName(name)) return undefined;
  return {
    ...lineOf(prop),
    message: `${keyword} ${name} has a literal value that looks like a secret (value not shown): it is stored in the image for anyone who pulls it`,
    hint: 'pass secrets at run time (env from a Kubernetes Secret) or with RUN --mount=type=secret; never as ENV/ARG defaults',
    secret: value,
  };
}

export const noSecretValues: DockerfilePolicy = {
  id: 'dockerfile/no-secret-values',
  defaultSeverity: 'error',
  description: 'ENV and ARG must not carry literal secret values (secret-looking names or credential-shaped values).',
  check(doc) {
    const out: PolicyFinding[] = [];
    for (const ins of doc.ast.getInstructions()) {
      const kw = ins.getKeyword();
      if (kw === 'ENV') for (const p of (ins as Env).getProperties()) out.push(...[check(p, 'ENV')].filter((f): f is PolicyFinding => f !== undefined));
      if (kw === 'ARG') {
        const p = (ins as Arg).getProperty();
        const f = p ? check(p, 'ARG') : undefined;
        if (f) out.push(f);
      }
    }
    return out;
  },
};

/** The gate rule: this policy on every Dockerfile the change adds or modifies. */
export const dockerfileNoSecretValues: GateRule = policyRule(noSecretValues);
