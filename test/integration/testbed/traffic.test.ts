// The traffic generator has no data plane: it reads the real routing objects from the API
// server and counts simulated requests per serving version, which a real Prometheus scrapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlRun } from '../../support/cluster/control-plane.js';
import { useTestNamespace } from '../../support/cluster/namespace.js';
import { ANNOTATION, startTraffic, type TrafficGenerator } from '../../support/cluster/traffic.js';
import { startPrometheus, type RunningPrometheus } from '../../support/prometheus.js';
import { deploymentManifest, eventually } from './helpers.js';

const ns = useTestNamespace('tbt');
const NS = ns.name;
let traffic: TrafficGenerator;
let prom: RunningPrometheus;
beforeAll(async () => {
  traffic = await startTraffic({ kubeconfigPath: ns.plane.kubeconfigPath, intervalMs: 200 });
  prom = await startPrometheus({ targets: [traffic.metricsUrl], scrapeIntervalSeconds: 1 });
  await prom.waitForTargets();
});
afterAll(async () => {
  await prom?.stop();
  await traffic?.stop();
});

const apply = (...objs: unknown[]) => ns.kubectl(['apply', '-n', NS, '-f', '-'], objs.map((o) => JSON.stringify(o)).join('\n'));
const service = (name: string, selector: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector, ports: [{ port: 80 }] } });
const rollout = (name: string) => ns.kubectl(['rollout', 'status', '-n', NS, `deployment/${name}`, '--timeout=60s']);

describe('traffic from the routing objects', () => {
  it('a 90/10 VirtualService split reaches Prometheus as a 90/10 split, and follows a weight change', async () => {
    await apply(
      deploymentManifest('shop-stable', { replicas: 2, labels: { app: 'shop', track: 'stable' } }),
      deploymentManifest('shop-canary', { replicas: 1, labels: { app: 'shop', track: 'canary' }, annotations: { [ANNOTATION.errorRate]: '0.5' } }),
      service('shop', { app: 'shop' }),
      { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'shop' }, spec: { host: 'shop', subsets: [{ name: 'stable', labels: { track: 'stable' } }, { name: 'canary', labels: { track: 'canary' } }] } },
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'shop' }, spec: { hosts: ['shop'], http: [{ name: 'primary', route: [{ destination: { host: 'shop', subset: 'stable' }, weight: 90 }, { destination: { host: 'shop', subset: 'canary' }, weight: 10 }] }] } },
    );
    await rollout('shop-stable');
    await rollout('shop-canary');
    expect(await traffic.route(NS, 'shop')).toEqual([
      { deployment: 'shop-stable', code: '200', share: 0.9, latencyMs: 20 },
      { deployment: 'shop-canary', code: '200', share: 0.05, latencyMs: 20 },
      { deployment: 'shop-canary', code: '500', share: 0.05, latencyMs: 20 },
    ]);
    traffic.set({ namespace: NS, host: 'shop', rps: 1000 });
    const q = `sum by (destination_workload) (increase(istio_requests_total{destination_workload_namespace="${NS}"}[10s]))`;
    const split = await eventually(async () => {
      const rows = await prom.query(q);
      const by = Object.fromEntries(rows.map((r) => [r.metric.destination_workload!, Number(r.value[1])]));
      const total = (by['shop-stable'] ?? 0) + (by['shop-canary'] ?? 0);
      return total > 2000 ? (by['shop-canary'] ?? 0) / total : undefined;
    }, 30_000, 'Prometheus to see traffic');
    expect(split).toBeCloseTo(0.1, 1);
    const errors = await prom.query(`sum(increase(istio_requests_total{destination_workload_namespace="${NS}",destination_workload="shop-canary",response_code="500"}[10s])) / sum(increase(istio_requests_total{destination_workload_namespace="${NS}",destination_workload="shop-canary"}[10s]))`);
    expect(Number(errors[0]!.value[1])).toBeCloseTo(0.5, 1);

    const r = await kubectlRun(ns.plane, ['patch', '-n', NS, 'virtualservice.networking.istio.io/shop', '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 }, { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 }])]);
    expect(r.code, r.stderr).toBe(0);
    expect((await traffic.route(NS, 'shop')).map((o) => o.deployment)).toEqual(['shop-canary', 'shop-canary']);
    traffic.set({ namespace: NS, host: 'shop', rps: 0 });
  });

  it('follows HTTPRoute weights and header matches, and a Service selector over ready replicas', async () => {
    await apply(
      deploymentManifest('api-v1', { replicas: 3, labels: { app: 'api', v: '1' } }),
      deploymentManifest('api-v2', { replicas: 1, labels: { app: 'api', v: '2' } }),
      service('api-v1', { app: 'api', v: '1' }),
      service('api-v2', { app: 'api', v: '2' }),
      service('api', { app: 'api' }),
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'api-route' },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'api', port: 80 }],
          rules: [
            { matches: [{ headers: [{ name: 'x-beta', value: 'yes' }] }], backendRefs: [{ name: 'api-v2', port: 80 }] },
            { backendRefs: [{ name: 'api-v1', port: 80, weight: 75 }, { name: 'api-v2', port: 80, weight: 25 }] },
          ],
        },
      },
    );
    await rollout('api-v1');
    await rollout('api-v2');
    expect(await traffic.route(NS, 'api', { 'x-beta': 'yes' })).toEqual([{ deployment: 'api-v2', code: '200', share: 1, latencyMs: 20 }]);
    expect((await traffic.route(NS, 'api')).map((o) => [o.deployment, o.share])).toEqual([['api-v1', 0.75], ['api-v2', 0.25]]);
    const r = await kubectlRun(ns.plane, ['delete', '-n', NS, 'httproute.gateway.networking.k8s.io/api-route']);
    expect(r.code, r.stderr).toBe(0);
    // No route object: the Service selector spreads over ready replicas (3 : 1), headers or not.
    expect((await traffic.route(NS, 'api', { 'x-beta': 'yes' })).map((o) => [o.deployment, o.share])).toEqual([['api-v1', 0.75], ['api-v2', 0.25]]);
    expect((await traffic.route(NS, 'api-v1')).map((o) => [o.deployment, o.share])).toEqual([['api-v1', 1]]);
    expect(await traffic.route(NS, 'nowhere')).toEqual([{ deployment: 'none', code: '503', share: 1, latencyMs: 1 }]);
  });
});
