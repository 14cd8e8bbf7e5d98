// @kubernetes/client-node against the simulator (or a real cluster, see cluster.ts):
// CRUD, optimistic concurrency, validation, every patch type, selectors, the deployment
// controller and garbage collection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { connectCluster, deploymentManifest, eventually, expectStatus, type TestCluster } from './cluster.js';

let c: TestCluster;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;

beforeAll(async () => {
  c = await connectCluster();
  core = c.kc.makeApiClient(CoreV1Api);
  apps = c.kc.makeApiClient(AppsV1Api);
  custom = c.kc.makeApiClient(CustomObjectsApi);
});
afterAll(async () => {
  await c?.stop();
});

const patchAs = (strategy: string) => setHeaderOptions('Content-Type', strategy);

describe('core and apps CRUD', () => {
  it('creates, reads, lists, replaces and deletes a ConfigMap', async () => {
    const namespace = c.namespace;
    const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'cfg', labels: { tier: 'a' } }, data: { k: 'v' } } });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.resourceVersion).toBeTruthy();
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const read = await core.readNamespacedConfigMap({ name: 'cfg', namespace });
    expect(read.data).toEqual({ k: 'v' });

    read.data = { k: 'v2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace, body: read });
    expect(replaced.data).toEqual({ k: 'v2' });
    expect(Number(replaced.metadata!.resourceVersion)).toBeGreaterThan(Number(created.metadata!.resourceVersion));

    const list = await core.listNamespacedConfigMap({ namespace, labelSelector: 'tier=a' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['cfg']);

    const dup = await expectStatus(core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'cfg' } } }));
    expect(dup).toMatchObject({ code: 409, reason: 'AlreadyExists', kind: 'Status' });

    await core.deleteNamespacedConfigMap({ name: 'cfg', namespace });
    const gone = await expectStatus(core.readNamespacedConfigMap({ name: 'cfg', namespace }));
    expect(gone).toMatchObject({ code: 404, reason: 'NotFound', status: 'Failure', details: { name: 'cfg', kind: 'configmaps' } });
    expect(gone.message).toBe('configmaps "cfg" not found');
  });

  it('answers 409 Conflict to a write with a stale resourceVersion', async () => {
    const namespace = c.namespace;
    const first = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'occ' }, data: { n: '1' } } });
    await core.replaceNamespacedConfigMap({ name: 'occ', namespace, body: { ...first, data: { n: '2' } } });
    const stale = await expectStatus(core.replaceNamespacedConfigMap({ name: 'occ', namespace, body: { ...first, data: { n: '3' } } }));
    expect(stale.code).toBe(409);
    expect(stale.reason).toBe('Conflict');
    expect(stale.message).toContain('the object has been modified');
    // A merge patch carrying the stale resourceVersion is a precondition too.
    const stalePatch = await expectStatus(
      core.patchNamespacedConfigMap({ name: 'occ', namespace, body: { metadata: { resourceVersion: first.metadata!.resourceVersion }, data: { n: '4' } } }, patchAs(PatchStrategy.MergePatch)),
    );
    expect(stalePatch.code).toBe(409);
    expect((await core.readNamespacedConfigMap({ name: 'occ', namespace })).data).toEqual({ n: '2' });
  });

  it('rejects an invalid Deployment with 422 Invalid and field causes, a mistyped one with 400', async () => {
    const noContainers = deploymentManifest('bad');
    (noContainers.spec.template as { spec: unknown }).spec = {};
    const st = await expectStatus(apps.createNamespacedDeployment({ namespace: c.namespace, body: noContainers as unknown as V1Deployment }));
    expect(st.code).toBe(422);
    expect(st.reason).toBe('Invalid');
    expect(JSON.stringify(st.details)).toContain('spec.template.spec.containers');

    const mismatched = deploymentManifest('mismatch');
    mismatched.spec.template.metadata.labels = { app: 'other' };
    const st2 = await expectStatus(apps.createNamespacedDeployment({ namespace: c.namespace, body: mismatched }));
    expect(st2.code).toBe(422);
    expect(st2.message).toContain('selector');

    // A real API server cannot decode a string into an int32 field: 400, not 422.
    const mistyped = deploymentManifest('mistyped');
    (mistyped.spec as Record<string, unknown>).replicas = 'two';
    const st3 = await expectStatus(apps.createNamespacedDeployment({ namespace: c.namespace, body: mistyped as unknown as V1Deployment }));
    expect(st3.code).toBe(400);
    expect(st3.message).toContain('cannot be handled as a Deployment');
  });

  it('applies JSON patch, merge patch, strategic merge patch and server-side apply', async () => {
    const namespace = c.namespace;
    await apps.createNamespacedDeployment({ namespace, body: deploymentManifest('patchme', { replicas: 1 }) });

    const jp = await apps.patchNamespacedDeployment(
      { name: 'patchme', namespace, body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] },
      patchAs(PatchStrategy.JsonPatch),
    );
    expect(jp.spec?.replicas).toBe(3);

    const failedTest = await expectStatus(
      apps.patchNamespacedDeployment({ name: 'patchme', namespace, body: [{ op: 'test', path: '/spec/replicas', value: 99 }] }, patchAs(PatchStrategy.JsonPatch)),
    );
    expect(failedTest.code).toBe(422);

    const mp = await apps.patchNamespacedDeployment(
      { name: 'patchme', namespace, body: { metadata: { annotations: { owner: 'team-a' } }, spec: { replicas: 2 } } },
      patchAs(PatchStrategy.MergePatch),
    );
    expect(mp.metadata?.annotations?.owner).toBe('team-a');
    expect(mp.spec?.replicas).toBe(2);

    // Strategic merge: containers merge by name, so a sidecar is added and `app` keeps its image.
    const smp = await apps.patchNamespacedDeployment(
      { name: 'patchme', namespace, body: { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'registry.k8s.io/pause:3.10' }] } } } } },
      patchAs(PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers.map((x) => `${x.name}=${x.image}`)).toEqual(['app=registry.k8s.io/pause:3.9', 'sidecar=registry.k8s.io/pause:3.10']);

    const applied = await apps.patchNamespacedDeployment(
      {
        name: 'patchme',
        namespace,
        fieldManager: 'shardship-test',
        force: true,
        body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'patchme', labels: { app: 'patchme', applied: 'yes' } } },
      },
      patchAs(PatchStrategy.ServerSideApply),
    );
    expect(applied.metadata?.labels?.applied).toBe('yes');
    expect(applied.spec?.replicas).toBe(2);

    // Server-side apply creates what does not exist yet.
    const cm = await core.patchNamespacedConfigMap(
      { name: 'ssa-new', namespace, fieldManager: 'shardship-test', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa-new' }, data: { a: '1' } } },
      patchAs(PatchStrategy.ServerSideApply),
    );
    expect(cm.data).toEqual({ a: '1' });
  });

  it('filters lists with label selectors and fieldSelector metadata.name', async () => {
    const namespace = c.namespace;
    for (const [name, labels] of [
      ['sel-a', { app: 'sel', track: 'stable' }],
      ['sel-b', { app: 'sel', track: 'canary' }],
      ['sel-c', { app: 'other' }],
    ] as const) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels } } });
    }
    const names = async (q: { labelSelector?: string; fieldSelector?: string }) =>
      (await core.listNamespacedConfigMap({ namespace, ...q })).items.map((i) => i.metadata!.name).filter((n) => n!.startsWith('sel-'));
    expect(await names({ labelSelector: 'app=sel' })).toEqual(['sel-a', 'sel-b']);
    expect(await names({ labelSelector: 'app=sel,track!=canary' })).toEqual(['sel-a']);
    expect(await names({ labelSelector: 'track in (canary,preview)' })).toEqual(['sel-b']);
    expect(await names({ labelSelector: '!track' })).toEqual(['sel-c']);
    expect(await names({ labelSelector: 'track' })).toEqual(['sel-a', 'sel-b']);
    expect(await names({ fieldSelector: 'metadata.name=sel-c' })).toEqual(['sel-c']);
  });
});

describe('deployment controller', () => {
  it('creates a ReplicaSet and Ready pods, and observedGeneration catches up after a change', async () => {
    const namespace = c.namespace;
    const d = await apps.createNamespacedDeployment({ namespace, body: deploymentManifest('web', { replicas: 2 }) });
    expect(d.metadata?.generation).toBe(1);
    const ready = await eventually(async () => {
      const cur = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return cur.status?.readyReplicas === 2 && cur.status.observedGeneration === 1 ? cur : undefined;
    }, 60_000, 'web to be ready');
    expect(ready.status?.conditions?.find((x) => x.type === 'Available')?.status).toBe('True');
    const rs = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
    expect(rs.items).toHaveLength(1);
    expect(rs.items[0]!.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web', controller: true });
    const hash = rs.items[0]!.metadata!.labels!['pod-template-hash']!;
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=web,pod-template-hash=${hash}` });
    expect(pods.items).toHaveLength(2);
    expect(pods.items.every((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))).toBe(true);

    // Change the template: generation bumps, a second ReplicaSet rolls out, the old one scales to 0.
    const patched = await apps.patchNamespacedDeployment(
      { name: 'web', namespace, body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] } } } } },
      patchAs(PatchStrategy.StrategicMergePatch),
    );
    expect(patched.metadata?.generation).toBe(2);
    await eventually(async () => {
      const cur = await apps.readNamespacedDeployment({ name: 'web', namespace });
      const s = cur.status;
      return s?.observedGeneration === 2 && s.updatedReplicas === 2 && s.readyReplicas === 2 && s.replicas === 2 ? cur : undefined;
    }, 60_000, 'rollout to finish');
    const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=web' });
    expect(events.items.some((e) => e.reason === 'ScalingReplicaSet' && e.involvedObject.kind === 'Deployment')).toBe(true);
    const after = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
    expect(after.items).toHaveLength(2);
    expect(after.items.map((x) => x.spec?.replicas).sort()).toEqual([0, 2]);

    // Metadata-only changes leave generation alone; the /scale subresource changes replicas.
    const labelled = await apps.patchNamespacedDeployment({ name: 'web', namespace, body: { metadata: { labels: { app: 'web', team: 'x' } } } }, patchAs(PatchStrategy.MergePatch));
    expect(labelled.metadata?.generation).toBe(2);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace });
    expect(scale.spec?.replicas).toBe(2);
    await apps.patchNamespacedDeploymentScale({ name: 'web', namespace, body: { spec: { replicas: 3 } } }, patchAs(PatchStrategy.MergePatch));
    await eventually(async () => ((await apps.readNamespacedDeployment({ name: 'web', namespace })).status?.readyReplicas === 3 ? true : undefined), 60_000, 'scale to 3');
  });

  it('deleting a Deployment deletes its ReplicaSets and pods', async () => {
    const namespace = c.namespace;
    await apps.createNamespacedDeployment({ namespace, body: deploymentManifest('gc', { replicas: 1 }) });
    await eventually(async () => ((await core.listNamespacedPod({ namespace, labelSelector: 'app=gc' })).items.length === 1 ? true : undefined), 60_000, 'gc pod');
    await apps.deleteNamespacedDeployment({ name: 'gc', namespace, propagationPolicy: 'Foreground' });
    await eventually(async () => {
      const rs = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=gc' });
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=gc' });
      return rs.items.length === 0 && pods.items.length === 0 ? true : undefined;
    }, 60_000, 'garbage collection');
  });
});

describe('custom resources', () => {
  it('round-trips an Istio VirtualService and DestinationRule and a Gateway API HTTPRoute', async () => {
    const namespace = c.namespace;
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: { hosts: ['web'], http: [{ name: 'primary', route: [{ destination: { host: 'web', subset: 'stable' }, weight: 100 }] }] },
    };
    const created = (await custom.createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace, plural: 'virtualservices', body: vs })) as { metadata: { resourceVersion: string; generation: number } };
    expect(created.metadata.generation).toBe(1);
    const patched = (await custom.patchNamespacedCustomObject(
      {
        group: 'networking.istio.io',
        version: 'v1',
        namespace,
        plural: 'virtualservices',
        name: 'web',
        body: [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 }, { op: 'add', path: '/spec/http/0/route/-', value: { destination: { host: 'web', subset: 'canary' }, weight: 10 } }],
      },
      patchAs(PatchStrategy.JsonPatch),
    )) as { spec: { http: { route: { weight: number }[] }[] }; metadata: { generation: number } };
    expect(patched.spec.http[0]!.route.map((r) => r.weight)).toEqual([90, 10]);
    expect(patched.metadata.generation).toBe(2);

    const invalidVs = await expectStatus(
      custom.createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace, plural: 'virtualservices', body: { ...vs, metadata: { name: 'bad' }, spec: { hosts: 'web' } } }),
    );
    expect(invalidVs.code).toBe(422);

    await custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace,
      plural: 'destinationrules',
      body: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'web' }, spec: { host: 'web', subsets: [{ name: 'stable', labels: { track: 'stable' } }] } },
    });
    const drs = (await custom.listNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace, plural: 'destinationrules' })) as { items: { metadata: { name: string } }[] };
    expect(drs.items.map((i) => i.metadata.name)).toEqual(['web']);

    await custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace,
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'web' },
        spec: { parentRefs: [{ group: '', kind: 'Service', name: 'web' }], rules: [{ backendRefs: [{ name: 'web-stable', port: 80, weight: 100 }] }] },
      },
    });
    const merged = (await custom.patchNamespacedCustomObject(
      { group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'httproutes', name: 'web', body: { spec: { rules: [{ backendRefs: [{ name: 'web-stable', port: 80, weight: 80 }, { name: 'web-canary', port: 80, weight: 20 }] }] } } },
      patchAs(PatchStrategy.MergePatch),
    )) as { spec: { rules: { backendRefs: { weight: number }[] }[] } };
    expect(merged.spec.rules[0]!.backendRefs.map((b) => b.weight)).toEqual([80, 20]);
    await custom.deleteNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'httproutes', name: 'web' });
    const gone = await expectStatus(custom.getNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'httproutes', name: 'web' }));
    expect(gone.code).toBe(404);
  });

  it('works with the generic KubernetesObjectApi (which reads API discovery)', async () => {
    const generic = KubernetesObjectApi.makeApiClient(c.kc);
    const body = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'generic', namespace: c.namespace }, spec: { host: 'generic' } };
    await generic.create(body);
    const read = await generic.read({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'generic', namespace: c.namespace } });
    expect((read as unknown as { spec: { host: string } }).spec.host).toBe('generic');
    await generic.delete(body);
  });
});
