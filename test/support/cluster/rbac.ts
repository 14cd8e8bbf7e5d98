// Real credentials with chosen permissions: a ServiceAccount bound to a Role made of the given
// rules, and a kubeconfig carrying its token (TokenRequest API through `kubectl create token`).
// Tests use it to get real 403 answers and to prove a shipped Role is enough.
import { join } from 'node:path';
import { kubectlRun, writeKubeconfig, type ControlPlane } from './control-plane.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export async function serviceAccountKubeconfig(
  plane: ControlPlane,
  opts: { namespace: string; name: string; rules?: PolicyRule[]; roleManifest?: string; dir: string; server?: string },
): Promise<string> {
  const kubectl = async (args: string[], input?: string) => {
    const r = await kubectlRun(plane, args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const { namespace: ns, name } = opts;
  const docs: unknown[] = [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } }];
  if (opts.rules) {
    docs.push(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: ns }, rules: opts.rules },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace: ns }] },
    );
  }
  await kubectl(['apply', '-f', '-'], docs.map((d) => JSON.stringify(d)).join('\n'));
  if (opts.roleManifest) await kubectl(['apply', '-n', ns, '-f', '-'], opts.roleManifest);
  const token = (await kubectl(['create', 'token', name, '-n', ns, '--duration=2h'])).trim();
  return writeKubeconfig(join(opts.dir, `${ns}-${name}.kubeconfig`), { url: opts.server ?? plane.url, caCert: plane.caCert, user: { token }, namespace: ns });
}
