// Fault injection (simulator only): API 5xx, 409 storms, RBAC denials, and pod-level faults
// from the pod template's sim.shardship.dev/* annotations. Also the request stats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startKubeSim, ANNOTATION, type KubeSim } from '../../support/kube-sim/index.js';
import { deploymentManifest, eventually, expectStatus, statusOf } from './cluster.js';

let sim: KubeSim;
let core: CoreV1Api;
let apps: AppsV1Api;
const namespace = 'faults';

beforeAll(async () => {
  sim = await startKubeSim({ readyDelayMs: 100, namespaces: [namespace] });
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(async () => {
  await sim?.stop();
});

describe('API faults', () => {
  it('answers the next N matching requests with an injected status, then recovers', async () => {
    sim.faults.clear();
    sim.faults.apiError({ status: 500, count: 2, verb: 'get', pathIncludes: '/configmaps/' });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'x' } } });
    for (let i = 0; i < 2; i++) {
      const st = await expectStatus(core.readNamespacedConfigMap({ name: 'x', namespace }));
      expect(st).toMatchObject({ code: 500, reason: 'InternalError', kind: 'Status', status: 'Failure' });
    }
    expect((await core.readNamespacedConfigMap({ name: 'x', namespace })).metadata?.name).toBe('x');
    // A verb filter leaves other verbs alone.
    sim.faults.apiError({ status: 503, count: 1, verb: 'patch' });
    expect((await core.listNamespacedConfigMap({ namespace })).items.length).toBeGreaterThan(0);
    const st = await expectStatus(core.patchNamespacedConfigMap({ name: 'x', namespace, body: { data: { a: 'b' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    expect(st.code).toBe(503);
  });

  it('produces a 409 storm on writes, then lets them through', async () => {
    sim.faults.clear();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'storm' } } });
    sim.faults.conflicts(3, '/configmaps/storm');
    let conflicts = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await core.patchNamespacedConfigMap({ name: 'storm', namespace, body: { data: { n: String(attempt) } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
        break;
      } catch (e) {
        const st = statusOf(e);
        expect(st.reason).toBe('Conflict');
        conflicts++;
      }
    }
    expect(conflicts).toBe(3);
    expect((await core.readNamespacedConfigMap({ name: 'storm', namespace })).data).toEqual({ n: '3' });
  });

  it('forbids a verb on a resource with a 403 naming the verb, resource and group', async () => {
    sim.faults.clear();
    sim.faults.forbid({ verb: 'patch', resource: 'deployments' });
    await apps.createNamespacedDeployment({ namespace, body: deploymentManifest('locked', { replicas: 1 }) });
    const st = await expectStatus(apps.patchNamespacedDeployment({ name: 'locked', namespace, body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    expect(st.code).toBe(403);
    expect(st.reason).toBe('Forbidden');
    expect(st.message).toContain('cannot patch resource "deployments" in API group "apps" in the namespace "faults"');
    // Reads still work; clear() lifts the denial.
    expect((await apps.readNamespacedDeployment({ name: 'locked', namespace })).metadata?.name).toBe('locked');
    sim.faults.clear();
    const ok = await apps.patchNamespacedDeployment({ name: 'locked', namespace, body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(ok.spec?.replicas).toBe(2);
  });

  it('counts API requests by verb and separates writes from reads', async () => {
    sim.faults.clear();
    sim.resetStats();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'counted' } } });
    await core.readNamespacedConfigMap({ name: 'counted', namespace });
    await core.listNamespacedConfigMap({ namespace });
    await core.patchNamespacedConfigMap({ name: 'counted', namespace, body: { data: { a: '1' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const s = sim.stats();
    expect(s.writes).toBe(2);
    expect(s.reads).toBe(2);
    expect(s.byVerb).toEqual({ create: 1, get: 1, list: 1, patch: 1 });
    expect(s.byPath[`PATCH /api/v1/namespaces/${namespace}/configmaps/counted`]).toBe(1);
    expect(sim.requestCount()).toBe(4);
    expect(sim.requestCount('patch')).toBe(1);
  });
});

describe('pod faults from template annotations', () => {
  it('never-ready pods stay unready; the Deployment is not Available', async () => {
    await apps.createNamespacedDeployment({ namespace, body: deploymentManifest('stuck', { replicas: 2, annotations: { [ANNOTATION.neverReady]: 'true' } }) });
    await eventually(async () => ((await core.listNamespacedPod({ namespace, labelSelector: 'app=stuck' })).items.length === 2 ? true : undefined), 30_000, 'pods');
    await new Promise((r) => setTimeout(r, 600));
    const d = await apps.readNamespacedDeployment({ name: 'stuck', namespace });
    expect(d.status?.readyReplicas ?? 0).toBe(0);
    expect(d.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('False');
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=stuck' });
    expect(pods.items.every((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready === false)).toBe(true);
  });

  it('crash-looping pods report CrashLoopBackOff with a growing restartCount', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deploymentManifest('crashy', { replicas: 1, annotations: { [ANNOTATION.crashLoop]: 'true', [ANNOTATION.readyDelayMs]: '200' } }),
    });
    const pod = await eventually(async () => {
      const p = (await core.listNamespacedPod({ namespace, labelSelector: 'app=crashy' })).items[0];
      return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined;
    }, 30_000, 'restarts');
    const cs = pod.status!.containerStatuses![0]!;
    expect(cs.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(cs.ready).toBe(false);
    expect(cs.lastState?.terminated?.exitCode).toBe(1);
    const events = await eventually(async () => {
      const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod.metadata!.name!}` });
      return list.items.length > 0 ? list.items : undefined;
    }, 10_000, 'BackOff event');
    expect(events.map((e) => `${e.type ?? ''} ${e.reason ?? ''}`)).toContain('Warning BackOff');
  });

  it('ready-delay-ms holds readiness back for that long', async () => {
    const t0 = Date.now();
    await apps.createNamespacedDeployment({ namespace, body: deploymentManifest('slow', { replicas: 1, annotations: { [ANNOTATION.readyDelayMs]: '1500' } }) });
    await eventually(async () => ((await apps.readNamespacedDeployment({ name: 'slow', namespace })).status?.readyReplicas === 1 ? true : undefined), 30_000, 'slow ready');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  });
});
