// Faults from real mechanisms: KWOK stages selected by pod-template annotations (never
// ready, crash loops, slow readiness) and the fault proxy's API 5xx and request counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { ServiceError } from '../../../pipeline/core/errors.js';
import { kubectlRun } from '../../support/cluster/control-plane.js';
import { useTestNamespace } from '../../support/cluster/namespace.js';
import { startFaultProxy, verbOf, type FaultProxy } from '../../support/cluster/fault-proxy.js';
import { ANNOTATION } from '../../support/cluster/traffic.js';
import { removeDir, tempDir } from '../../support/service.js';
import { deploymentManifest, eventually } from './helpers.js';

const ns = useTestNamespace('tbf');
const NS = ns.name;
let proxy: FaultProxy;
const dir = tempDir('testbed-faults');
beforeAll(async () => {
  proxy = await startFaultProxy(ns.plane, dir);
});
afterAll(async () => {
  await proxy?.stop();
  removeDir(dir);
});

interface PodList {
  items: { status: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime: string }[]; containerStatuses?: { ready: boolean; restartCount: number; state: { waiting?: { reason: string } } }[] }; metadata: { creationTimestamp: string } }[];
}
const pods = async (app: string) => JSON.parse((await kubectlRun(ns.plane, ['get', 'pods', '-n', NS, '-l', `app=${app}`, '-o', 'json'])).stdout) as PodList;
const apply = (obj: unknown) => ns.kubectl(['apply', '-n', NS, '-f', '-'], JSON.stringify(obj));

describe('pod faults from template annotations (KWOK stages)', () => {
  it('never-ready pods run but stay unready; the Deployment is not Available', async () => {
    await apply(deploymentManifest('stuck', { replicas: 2, annotations: { [ANNOTATION.neverReady]: 'true' } }));
    await eventually(async () => ((await pods('stuck')).items.filter((p) => p.status.phase === 'Running').length === 2 ? true : undefined), 30_000, 'two running pods');
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of (await pods('stuck')).items) {
      expect(p.status.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
      expect(p.status.containerStatuses![0]!.ready).toBe(false);
    }
    const d = JSON.parse((await kubectlRun(ns.plane, ['get', 'deployment', 'stuck', '-n', NS, '-o', 'json'])).stdout) as { status: { readyReplicas?: number } };
    expect(d.status.readyReplicas ?? 0).toBe(0);
  });

  it('crash-looping pods report CrashLoopBackOff with a growing restartCount', async () => {
    await apply(deploymentManifest('crashy', { replicas: 1, annotations: { [ANNOTATION.crashLoop]: 'true', [ANNOTATION.restartInterval]: '300ms' } }));
    const first = await eventually(async () => (await pods('crashy')).items[0]?.status.containerStatuses?.[0], 30_000, 'a container status');
    expect(first.state.waiting!.reason).toBe('CrashLoopBackOff');
    expect(first.ready).toBe(false);
    await eventually(async () => (((await pods('crashy')).items[0]!.status.containerStatuses![0]!.restartCount ?? 0) >= first.restartCount + 2 ? true : undefined), 20_000, 'restarts to grow');
  });

  it('ready-delay holds readiness back for that long', async () => {
    await apply(deploymentManifest('slow', { replicas: 1, annotations: { [ANNOTATION.readyDelay]: '2s' } }));
    const ready = await eventually(async () => (await pods('slow')).items[0]?.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True'), 30_000, 'the pod to be ready');
    const created = Date.parse((await pods('slow')).items[0]!.metadata.creationTimestamp);
    // Timestamps have second resolution: at least one full second later, and not much more than the delay.
    expect(Date.parse(ready.lastTransitionTime) - created).toBeGreaterThanOrEqual(1000);
  });
});

describe('the fault proxy', () => {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'flaky' };
  it('answers the next N matching requests with the injected status, then passes through; counts verbs', async () => {
    const c = connectCluster({ kubeconfigPath: proxy.kubeconfigPath, backoffMs: 10, retries: 4 });
    await c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flaky', namespace: NS }, data: { a: '1' } });
    proxy.reset();
    proxy.apiError({ status: 500, count: 2, verb: 'patch', pathIncludes: '/configmaps/flaky' });
    // Retried by the adapter: two 500s, then the real answer.
    const patched = await c.patch<{ data: Record<string, string> } & { apiVersion: string; kind: string; metadata: { name: string } }>(ref, { data: { a: '2' } }, 'merge');
    expect(patched.data.a).toBe('2');
    expect(proxy.requests().map((r) => [r.verb, r.status])).toEqual([['patch', 500], ['patch', 500], ['patch', 200]]);
    proxy.apiError({ status: 503, count: 10, pathIncludes: '/configmaps/flaky' });
    await expect(c.get(ref)).rejects.toThrow(ServiceError);
    await expect(c.get(ref)).rejects.toThrow(/API server error 503 after 5 attempts/);
    proxy.clear();
    expect(await c.get(ref)).toMatchObject({ data: { a: '2' } });
    expect(proxy.requestCount('get')).toBeGreaterThanOrEqual(11);
  });

  it('names verbs as RBAC does', () => {
    expect(verbOf('GET', '/api/v1/namespaces/x/pods')).toBe('list');
    expect(verbOf('GET', '/api/v1/namespaces/x/pods/p')).toBe('get');
    expect(verbOf('GET', '/apis/apps/v1/namespaces/x/deployments?watch=true')).toBe('watch');
    expect(verbOf('GET', '/api/v1/namespaces')).toBe('list');
    expect(verbOf('GET', '/api/v1/namespaces/x')).toBe('get');
    expect(verbOf('PATCH', '/apis/apps/v1/namespaces/x/deployments/d')).toBe('patch');
    expect(verbOf('PUT', '/api/v1/namespaces/x/configmaps/c')).toBe('update');
  });
});
