// The Cluster adapter (pipeline/kube/client.ts) against a real API server: its error
// translation (409, 403 from real RBAC, 404, a missing CRD), and the CLI's messages and exit
// codes for a wrong kubeconfig, an unreachable server and a cluster without Istio.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { ConflictError, ForbiddenError, ResourceTypeMissingError } from '../../../pipeline/core/cluster.js';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { kubectlRun, sharedControlPlane, startControlPlane, stopControlPlane, type ControlPlane } from '../../support/cluster/control-plane.js';
import { serviceAccountKubeconfig } from '../../support/cluster/rbac.js';
import { freePort, removeDir, tempDir } from '../../support/service.js';

const NS = `kc-${process.pid}`;
const dir = tempDir('kube-client');
let plane: ControlPlane;
let bare: ControlPlane;
beforeAll(async () => {
  // The shared test bed, and a second control plane with no Istio or Gateway API CRDs.
  [plane, bare] = await Promise.all([sharedControlPlane(), startControlPlane(join(dir, 'bare'), { crds: false })]);
  for (const p of [plane, bare]) await kubectlRun(p, ['create', 'namespace', NS]);
}, 300_000);
afterAll(async () => {
  if (plane) await kubectlRun(plane, ['delete', 'namespace', NS, '--wait=false']);
  if (bare) await stopControlPlane(bare);
  removeDir(dir);
});

const cm = (name: string, data: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data });

describe('the Cluster adapter on a real API server', () => {
  it('a write with a stale resourceVersion is a ConflictError; a missing object reads as undefined', async () => {
    const c = connectCluster({ kubeconfigPath: plane.kubeconfigPath });
    const created = await c.create(cm('state', { v: '1' }));
    await c.replace({ ...created, data: { v: '2' } });
    await expect(c.replace({ ...created, data: { v: '3' } })).rejects.toThrow(ConflictError);
    await expect(c.replace({ ...created, data: { v: '3' } })).rejects.toThrow(/the object has been modified/);
    expect(await c.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'nope' })).toBeUndefined();
    expect(c.stats.writes).toBe(4);
  });

  it('writes with strict field validation: an unknown field fails the write instead of being dropped', async () => {
    const c = connectCluster({ kubeconfigPath: plane.kubeconfigPath });
    await expect(c.create({ ...cm('typo'), spec: { replicas: 1 } })).rejects.toThrow(/unknown field "spec"/);
    expect(await c.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'typo' })).toBeUndefined();
  });

  it('real RBAC: a ServiceAccount without a verb gets a ForbiddenError naming the verb and resource', async () => {
    const kubeconfigPath = await serviceAccountKubeconfig(plane, { namespace: NS, name: 'reader', rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }], dir });
    const c = connectCluster({ kubeconfigPath });
    expect(await c.list('v1', 'ConfigMap', NS)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'ConfigMap' })]));
    const e = await c.create(cm('denied')).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ForbiddenError);
    expect((e as Error).message).toBe(`kubernetes: forbidden: cannot create configmaps in namespace "${NS}"`);
    await expect(c.list('apps/v1', 'Deployment', NS)).rejects.toThrow(/cannot list deployments\.apps/);
  });

  it('a cluster without the Istio or Gateway API CRDs: an error naming the CRD and how to install it', async () => {
    const c = connectCluster({ kubeconfigPath: bare.kubeconfigPath });
    const e = await c.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: NS, name: 'web' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ResourceTypeMissingError);
    expect((e as Error).message).toBe('kubernetes: the cluster has no virtualservices.networking.istio.io (networking.istio.io/v1): its CustomResourceDefinition is not installed');
    expect((e as ResourceTypeMissingError).hint).toMatch(/install Istio/);
    await expect(c.list('gateway.networking.k8s.io/v1', 'HTTPRoute', NS)).rejects.toThrow(/httproutes\.gateway\.networking\.k8s\.io/);
  });
});

describe('shardship release: cluster problems as messages and exit codes', () => {
  const cfg = join(dir, 'shardship.yaml');
  writeFileSync(cfg, `version: 1\nrelease:\n  namespace: ${NS}\n  apps:\n    web:\n      replicas: 1\n      router: { istio: {} }\n      strategy: { canary: { steps: [{ setWeight: 50 }] } }\n`);
  const cli = async (args: string[], env: NodeJS.ProcessEnv) => {
    const output = memoryOutput();
    const code = await main(args, { cwd: dir, output, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env } });
    return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
  };

  it('Istio not installed: exit 1, naming the CRD and how to install it', async () => {
    const r = await cli(['release', 'start', '--app', 'web', '--image', 'registry.local/web:1'], { KUBECONFIG: bare.kubeconfigPath });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the cluster has no (virtualservices|destinationrules)\.networking\.istio\.io .*CustomResourceDefinition is not installed/);
    expect(r.err).toMatch(/install Istio/);
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
  });

  it('a kubeconfig that does not exist: exit 2 with the fix', async () => {
    const r = await cli(['release', 'status', '--app', 'web'], { KUBECONFIG: join(dir, 'missing.kubeconfig') });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot load kubeconfig/);
    expect(r.err).toMatch(/set KUBECONFIG or pass --kubeconfig/);
  });

  it('an API server that is not there: exit 1 naming the server', async () => {
    const port = await freePort();
    const kubeconfig = join(dir, 'gone.kubeconfig');
    writeFileSync(kubeconfig, (await import('node:fs')).readFileSync(plane.kubeconfigPath, 'utf8').replace(plane.url, `https://127.0.0.1:${port}`));
    const r = await cli(['release', 'status', '--app', 'web'], { KUBECONFIG: kubeconfig });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`is the API server at https://127.0.0.1:${port} reachable?`);
  });
});
