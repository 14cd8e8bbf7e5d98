// The test bed's control plane is what it says: real Kubernetes components at the pinned
// version, RBAC enforced, Deployments rolled out by the real controllers onto KWOK nodes,
// the Istio and Gateway API CRDs served, and a killed run leaves nothing that blocks the next.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { healthy, kubectlRun, readState, sharedControlPlane, startControlPlane, stopControlPlane } from '../../support/cluster/control-plane.js';
import { useTestNamespace } from '../../support/cluster/namespace.js';
import { serviceAccountKubeconfig } from '../../support/cluster/rbac.js';
import { removeDir, tempDir } from '../../support/service.js';
import { deploymentManifest, eventually } from './helpers.js';

const ns = useTestNamespace('tb');
const NS = ns.name;
const dir = tempDir('testbed-cp');
afterAll(() => removeDir(dir));
const kubectl = (args: string[], input?: string) => ns.kubectl(args, input);

describe('the control plane', () => {
  it('runs the pinned Kubernetes release: /version, kube-apiserver --version and kubectl agree', async () => {
    const version = JSON.parse(await kubectl(['get', '--raw', '/version'])) as { gitVersion: string; major: string; minor: string };
    expect(version.gitVersion).toMatch(/^v1\.36\.\d+$/);
    expect(version.major).toBe('1');
    expect(version.minor).toBe('36');
    expect(execFileSync(join(ns.plane.binDir, 'kube-apiserver'), ['--version'], { encoding: 'utf8' }).trim()).toBe(`Kubernetes ${version.gitVersion}`);
    const client = JSON.parse(await kubectl(['version', '--client', '-o', 'json'])) as { clientVersion: { gitVersion: string } };
    expect(client.clientVersion.gitVersion).toBe(version.gitVersion);
    expect(ns.plane.kubeVersion).toBe(version.gitVersion);
  });

  it('enforces RBAC: an authenticated user without a role is forbidden', async () => {
    const kubeconfigPath = await serviceAccountKubeconfig(ns.plane, { namespace: NS, name: 'nobody', dir });
    const r = await kubectlRun({ kubectlPath: ns.plane.kubectlPath, kubeconfigPath }, ['get', 'pods', '-n', NS]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`User "system:serviceaccount:${NS}:nobody" cannot list resource "pods" in API group "" in the namespace "${NS}"`);
    expect(readFileSync(ns.plane.kubeconfigPath, 'utf8')).toContain('client-certificate');
  });

  it('rolls a Deployment out through the real controllers and scheduler onto KWOK nodes', async () => {
    await kubectl(['apply', '-n', NS, '-f', '-'], JSON.stringify(deploymentManifest('web', { replicas: 3 })));
    await kubectl(['rollout', 'status', '-n', NS, 'deployment/web', '--timeout=60s']);
    const pods = JSON.parse(await kubectl(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])) as { items: { spec: { nodeName?: string }; status: { phase: string; podIP?: string }; metadata: { ownerReferences: { kind: string }[] } }[] };
    expect(pods.items).toHaveLength(3);
    for (const p of pods.items) {
      expect(p.spec.nodeName).toMatch(/^kwok-node-\d$/);
      expect(p.status.phase).toBe('Running');
      expect(p.status.podIP).toMatch(/^10\.244\./);
      expect(p.metadata.ownerReferences[0]!.kind).toBe('ReplicaSet');
    }
    // A new template makes a new ReplicaSet; the old one is scaled to zero by the deployment controller.
    await kubectl(['set', 'image', '-n', NS, 'deployment/web', 'app=registry.k8s.io/pause:3.10']);
    await kubectl(['rollout', 'status', '-n', NS, 'deployment/web', '--timeout=60s']);
    const rs = JSON.parse(await kubectl(['get', 'replicasets', '-n', NS, '-l', 'app=web', '-o', 'json'])) as { items: { spec: { replicas: number } }[] };
    expect(rs.items.map((r) => r.spec.replicas).sort()).toEqual([0, 3]);
  });

  it('serves the Istio networking and Gateway API standard CRDs, with server-side schema validation', async () => {
    const crds = await kubectl(['get', 'crd', '-o', 'name']);
    for (const c of ['virtualservices.networking.istio.io', 'destinationrules.networking.istio.io', 'httproutes.gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io']) expect(crds).toContain(c);
    const bad = await kubectlRun(ns.plane, ['apply', '-n', NS, '--validate=strict', '-f', '-'], JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { rules: [{ backendRefs: [{ name: 'web', port: 80, weight: 'heavy' }] }] } }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/weight/);
  });
});

describe('a killed run', () => {
  it('leaves nothing that blocks the next: a control plane whose processes were SIGKILLed is replaced', async () => {
    const own = join(dir, 'killed');
    {
      const first = await startControlPlane(own, { crds: false });
      expect(await healthy(first)).toBe(true);
      for (const pid of Object.values(first.pids)) process.kill(pid, 'SIGKILL');
      await eventually(async () => ((await healthy(first)) ? undefined : true), 10_000, 'the killed plane to be unhealthy');
      const second = await sharedControlPlane(own);
      try {
        expect(second.url).not.toBe(first.url);
        expect(await healthy(second)).toBe(true);
        expect(readState(own)!.startedAt).toBe(second.startedAt);
      } finally {
        await stopControlPlane(second);
      }
      expect(readState(own)).toBeUndefined();
      for (const pid of Object.values(second.pids)) expect(() => process.kill(pid, 0)).toThrow();
    }
  }, 240_000);
});
