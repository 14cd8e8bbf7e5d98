// kubectl (a client nobody here wrote) against the simulator, or a real cluster when
// SHARDSHIP_E2E_CLUSTER=1: get, apply -f, patch (all three types), rollout status, delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ensureBinary, removeDir, tempDir } from '../../support/service.js';
import { connectCluster, deploymentManifest, type TestCluster } from './cluster.js';

let c: TestCluster;
let dir: string;

beforeAll(async () => {
  ensureBinary('kubectl', ['kubectl']);
  c = await connectCluster();
  dir = tempDir('kubectl-test');
});
afterAll(async () => {
  await c?.stop();
  if (dir) removeDir(dir);
});

function manifestFile(name: string, docs: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, docs.map((d) => toYaml(d)).join('---\n'));
  return file;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl -o json output, probed field by field
const json = (s: string) => JSON.parse(s) as Record<string, any>;

describe('kubectl as an independent client', () => {
  it('lists namespaces with server-side printed columns', async () => {
    const { stdout } = await c.kubectl(['get', 'namespaces']);
    expect(stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE/);
    expect(stdout).toContain(c.namespace);
  });

  it('applies a Deployment, Service, VirtualService and DestinationRule, waits for the rollout, patches and deletes', async () => {
    const ns = ['-n', c.namespace];
    const file = manifestFile('app.yaml', [
      deploymentManifest('shop', { replicas: 2 }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop' }, spec: { selector: { app: 'shop' }, ports: [{ port: 80, targetPort: 8080 }] } },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'shop' },
        spec: { hosts: ['shop'], http: [{ name: 'primary', route: [{ destination: { host: 'shop' }, weight: 100 }] }] },
      },
      { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'shop' }, spec: { host: 'shop' } },
    ]);
    const applied = await c.kubectl(['apply', ...ns, '-f', file]);
    expect(applied.stdout).toContain('deployment.apps/shop created');
    expect(applied.stdout).toContain('virtualservice.networking.istio.io/shop created');
    const again = await c.kubectl(['apply', ...ns, '-f', file]);
    expect(again.stdout).toContain('deployment.apps/shop unchanged');

    const rollout = await c.kubectl(['rollout', 'status', ...ns, 'deployment/shop', '--timeout=60s']);
    expect(rollout.stdout).toContain('successfully rolled out');

    const table = await c.kubectl(['get', ...ns, 'deploy', 'shop']);
    expect(table.stdout).toMatch(/shop\s+2\/2\s+2\s+2/);

    await c.kubectl(['patch', ...ns, 'deployment', 'shop', '-p', '{"spec":{"template":{"metadata":{"annotations":{"rev":"2"}}}}}']);
    await c.kubectl(['patch', ...ns, 'virtualservice', 'shop', '--type=merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}']);
    await c.kubectl(['patch', ...ns, 'service', 'shop', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels","value":{"patched":"json"}}]']);
    const d = json((await c.kubectl(['get', ...ns, 'deployment', 'shop', '-o', 'json'])).stdout);
    expect(d.spec.template.metadata.annotations.rev).toBe('2');
    expect(d.metadata.generation).toBe(2);
    expect(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"shop"');
    const vs = json((await c.kubectl(['get', ...ns, 'vs', 'shop', '-o', 'json'])).stdout);
    expect(vs.metadata.labels.patched).toBe('merge');
    const svc = json((await c.kubectl(['get', ...ns, 'svc', 'shop', '-o', 'json'])).stdout);
    expect(svc.metadata.labels.patched).toBe('json');

    const bad = manifestFile('bad.yaml', [{ ...deploymentManifest('broken'), spec: { replicas: 1, selector: { matchLabels: { app: 'one' } }, template: { metadata: { labels: { app: 'two' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }]);
    const failed = await c.kubectl(['apply', ...ns, '-f', bad]).then(
      () => '',
      (e: { stderr: string }) => e.stderr,
    );
    expect(failed).toMatch(/invalid/i);

    const deleted = await c.kubectl(['delete', ...ns, '-f', file]);
    expect(deleted.stdout).toContain('deployment.apps "shop" deleted');
    const left = await c.kubectl(['get', ...ns, 'deploy,vs,dr,svc', '-o', 'name']);
    expect(left.stdout.trim()).toBe('');
  });
});
