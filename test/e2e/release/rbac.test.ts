// The shipped least-privilege RBAC (deploy-templates/watch/rbac.yaml) on a real API server:
// `release watch` running as its ServiceAccount drives a release to the end (the Role is
// enough), and without any one of its rules a release fails with a 403 naming what is missing
// (every rule is needed).
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { ForbiddenError } from '../../../pipeline/core/cluster.js';
import { releaseStatus, startRelease } from '../../../pipeline/release/index.js';
import { serviceAccountKubeconfig, type PolicyRule } from '../../support/cluster/rbac.js';
import { NS, baseOptions, bedOf, bedOnly, releaseConfig, startHarness, writeConfigFile, type Harness, img } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const apps = {
  web: { replicas: 2, router: { istio: {} }, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '1s' } }, { analysis: { templates: ['pods'] } }] } } },
  edge: { replicas: 2, router: { gatewayApi: {} }, strategy: { canary: { steps: [{ setWeight: 50 }] } } },
};

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  const output = memoryOutput();
  const code = await main(args, { cwd: h.dir, output, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', USER: 'rbac-e2e', ...env } });
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}

describe('the shipped release RBAC on a real API server', () => {
  bedOnly('release watch as the shipped ServiceAccount finishes a release: the Role is enough', async () => {
    const { plane } = bedOf(h);
    writeConfigFile(h.dir, { namespace: NS, analysis: { pods: { interval: '200ms', count: 2, kubernetes: { maxRestarts: 0 } } }, apps });
    const manifests = await cli(['release', 'watch', '--print-manifests', '--image', `registry.example.com/shardship@sha256:${'c'.repeat(64)}`], {});
    expect(manifests.code, manifests.err).toBe(0);
    // Strict server-side field validation: every field of the shipped objects is known to the API server.
    h.kubectl(['apply', '--validate=strict', '-f', '-'], manifests.out);
    const kubeconfigPath = await serviceAccountKubeconfig(plane, { namespace: NS, name: 'shardship-release', dir: h.dir });
    const asWatch = connectCluster({ kubeconfigPath, backoffMs: 50 });
    const config = releaseConfig(apps);
    for (const app of ['web', 'edge']) {
      const opts = { ...baseOptions(h, config, app), cluster: asWatch };
      expect(await startRelease({ ...opts, image: img(`${app}:1`) })).toMatchObject({ phase: 'Completed' });
    }
    // A CI run that stops early; the watch loop, as the ServiceAccount, carries the release on.
    const opts = { ...baseOptions(h, config, 'web'), cluster: asWatch };
    expect(await startRelease({ ...opts, image: img('web:2'), timeoutMs: 300 })).toMatchObject({ phase: 'Progressing', exitCode: 4 });
    await new Promise((r) => setTimeout(r, 1200));
    const watched = await cli(['release', 'watch', '--once', '--app', 'web'], { KUBECONFIG: kubeconfigPath });
    expect(watched.err).not.toMatch(/forbidden/);
    expect(watched.code, watched.err).toBe(0);
    expect(await releaseStatus(opts)).toMatchObject({ phase: 'Completed', image: img('web:2') });
  });

  bedOnly('without any one rule of the Role, a release fails with a 403 that names it', async () => {
    const { plane } = bedOf(h);
    const role = parseAllDocuments((await import('node:fs')).readFileSync('deploy-templates/watch/rbac.yaml', 'utf8'))
      .map((d) => d.toJSON() as { kind: string; rules?: PolicyRule[] })
      .find((d) => d.kind === 'Role')!;
    const missing: string[] = [];
    for (const [i, rule] of role.rules!.entries()) {
      const name = `less-${i}`;
      const kubeconfigPath = await serviceAccountKubeconfig(plane, { namespace: NS, name, rules: role.rules!.filter((_, j) => j !== i), dir: h.dir });
      // The router this rule serves, and a fresh app so that every object is created anew.
      const app = rule.apiGroups.includes('gateway.networking.k8s.io') ? 'edge' : 'web';
      const appName = `${app}-${i}`;
      const appConfig = releaseConfig({ [appName]: apps[app] });
      const opts = { ...baseOptions(h, appConfig, appName), cluster: connectCluster({ kubeconfigPath, backoffMs: 20 }) };
      const admin = baseOptions(h, appConfig, appName);
      // A first version as admin, then the canary as the limited account.
      await startRelease({ ...admin, image: img(`${appName}:1`) });
      const e = await startRelease({ ...opts, image: img(`${appName}:2`) }).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (!(e instanceof ForbiddenError)) {
        missing.push(`${rule.resources.join(',')}: no 403 (${e instanceof Error ? e.message : 'release went through'})`);
        continue;
      }
      expect(rule.resources.some((r) => e.resource.split('.')[0] === r), `${e.message} names one of ${rule.resources.join(',')}`).toBe(true);
      expect(rule.verbs).toContain(e.verb);
    }
    expect(missing).toEqual([]);
  });
});
