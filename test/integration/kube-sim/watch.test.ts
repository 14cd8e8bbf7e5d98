// Watches, informers and server-side dry run through @kubernetes/client-node (simulator,
// or a real cluster with SHARDSHIP_E2E_CLUSTER=1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, Watch, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { connectCluster, deploymentManifest, eventually, expectStatus, type TestCluster } from './cluster.js';

let c: TestCluster;
let core: CoreV1Api;

beforeAll(async () => {
  c = await connectCluster();
  core = c.kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await c?.stop();
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED events filtered by label selector', async () => {
    const namespace = c.namespace;
    const events: string[] = [];
    const watch = new Watch(c.kc);
    const req = await watch.watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { labelSelector: 'watched=yes' },
      (type: string, obj: V1ConfigMap) => events.push(`${type} ${obj.metadata?.name ?? ''}`),
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'w1', labels: { watched: 'yes' } } } });
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'ignored' } } });
      await core.replaceNamespacedConfigMap({ name: 'w1', namespace, body: { metadata: { name: 'w1', labels: { watched: 'yes' } }, data: { a: '1' } } });
      // Leaving the selector looks like a deletion to this watch, coming back like an addition.
      await core.replaceNamespacedConfigMap({ name: 'w1', namespace, body: { metadata: { name: 'w1', labels: { watched: 'no' } }, data: { a: '1' } } });
      await core.replaceNamespacedConfigMap({ name: 'w1', namespace, body: { metadata: { name: 'w1', labels: { watched: 'yes' } }, data: { a: '2' } } });
      await core.deleteNamespacedConfigMap({ name: 'w1', namespace });
      await eventually(() => (events.length >= 5 ? true : undefined), 20_000, 'watch events');
      expect(events).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1', 'ADDED w1', 'DELETED w1']);
    } finally {
      req.abort();
    }
  });

  it('feeds an informer (list, then watch from its resourceVersion)', async () => {
    const namespace = c.namespace;
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before', labels: { inf: 'x' } } } });
    const informer = makeInformer(c.kc, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace, labelSelector: 'inf=x' }), 'inf=x');
    const seen = new Set<string>();
    informer.on('add', (o: V1ConfigMap) => seen.add(o.metadata!.name!));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after', labels: { inf: 'x' } } } });
      await eventually(() => (seen.has('before') && seen.has('after') ? true : undefined), 20_000, 'informer adds');
      expect([...seen].sort()).toEqual(['after', 'before']);
    } finally {
      await informer.stop();
    }
  });
});

describe('server-side dry run', () => {
  it('validates and defaults without storing anything', async () => {
    const apps = c.kc.makeApiClient(AppsV1Api);
    const namespace = c.namespace;
    const dry = await apps.createNamespacedDeployment({ namespace, body: deploymentManifest('dry', { replicas: 1 }), dryRun: 'All' });
    expect(dry.spec?.strategy?.type).toBe('RollingUpdate');
    const st = await expectStatus(apps.readNamespacedDeployment({ name: 'dry', namespace }));
    expect(st.code).toBe(404);
    const bad = deploymentManifest('dry-bad');
    bad.spec.template.metadata.labels = { app: 'nope' };
    expect((await expectStatus(apps.createNamespacedDeployment({ namespace, body: bad, dryRun: 'All' }))).code).toBe(422);
  });
});
