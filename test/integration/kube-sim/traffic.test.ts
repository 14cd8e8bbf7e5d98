// Simulated traffic follows the current routing (simulator only): Istio weights and header
// cohorts, Gateway API HTTPRoute weights, plain Service selectors, error-rate annotations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startKubeSim, ANNOTATION, type KubeSim } from '../../support/kube-sim/index.js';
import { apisFor, delta, istioSplit, scrapeCounts, share, stableAndCanary, weighted, type Apis } from './scenario.js';

let sim: KubeSim;
let api: Apis;
const namespace = 'shop';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  sim = await startKubeSim({ readyDelayMs: 100, namespaces: [namespace] });
  api = apisFor(sim.kubeconfigPath);
});
afterAll(async () => {
  await sim?.stop();
});

async function measure(host: string, ms = 1500): Promise<Record<string, number>> {
  const before = await scrapeCounts(sim.metricsUrl, host);
  await wait(ms);
  return delta(await scrapeCounts(sim.metricsUrl, host), before);
}

describe('traffic across Istio routing', () => {
  it('a 90/10 VirtualService split sends ~10% to the canary Deployment, and follows a weight change', async () => {
    await stableAndCanary(api, namespace, 'web');
    await istioSplit(api, namespace, 'web', [weighted('web', 90, 10)]);
    sim.setTraffic({ namespace, host: 'web', rps: 2000 });
    const counts = await measure('web');
    expect(Object.keys(counts).sort()).toEqual(['web-canary/200', 'web-stable/200']);
    expect(share(counts, (k) => k.startsWith('web-canary/'))).toBeCloseTo(0.1, 2);

    await api.custom.patchNamespacedCustomObject(
      { group: 'networking.istio.io', version: 'v1', namespace, plural: 'virtualservices', name: 'web', body: { spec: { http: [weighted('web', 50, 50)] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await wait(300);
    expect(share(await measure('web'), (k) => k.startsWith('web-canary/'))).toBeCloseTo(0.5, 1);
  });

  it('a header cohort match routes only those requests to the canary', async () => {
    await stableAndCanary(api, namespace, 'gray');
    await istioSplit(api, namespace, 'gray', [
      { name: 'cohort', match: [{ headers: { 'x-gray': { exact: 'true' } } }], route: [{ destination: { host: 'gray', subset: 'canary' } }] },
      { name: 'primary', route: [{ destination: { host: 'gray', subset: 'stable' } }] },
    ]);
    expect(sim.route({ namespace, host: 'gray', headers: { 'X-Gray': 'true' } }).map((o) => o.deployment)).toEqual(['gray-canary']);
    expect(new Set(sim.route({ namespace, host: 'gray' }).map((o) => o.deployment))).toEqual(new Set(['gray-stable']));
    sim.setTraffic({ namespace, host: 'gray', rps: 2000, headerMix: [{ headers: { 'x-gray': 'true' }, share: 0.2 }] });
    const counts = await measure('gray');
    expect(share(counts, (k) => k.startsWith('gray-canary/'))).toBeCloseTo(0.2, 2);
  });

  it('the error-rate annotation makes that version answer 500s at that rate', async () => {
    await stableAndCanary(api, namespace, 'bad', { canaryAnnotations: { [ANNOTATION.errorRate]: '0.3' } });
    await istioSplit(api, namespace, 'bad', [weighted('bad', 50, 50)]);
    sim.setTraffic({ namespace, host: 'bad', rps: 2000 });
    const counts = await measure('bad');
    expect(counts['bad-stable/500'] ?? 0).toBe(0);
    const canaryTotal = (counts['bad-canary/200'] ?? 0) + (counts['bad-canary/500'] ?? 0);
    expect(canaryTotal).toBeGreaterThan(500);
    expect((counts['bad-canary/500'] ?? 0) / canaryTotal).toBeCloseTo(0.3, 2);
  });

  it('a route to a subset with no ready pods answers 503', async () => {
    await stableAndCanary(api, namespace, 'empty', { canaryReplicas: 0 });
    await istioSplit(api, namespace, 'empty', [weighted('empty', 75, 25)]);
    const outcomes = sim.route({ namespace, host: 'empty' });
    const unavailable = outcomes.filter((o) => o.code === '503').reduce((a, o) => a + o.share, 0);
    expect(unavailable).toBeCloseTo(0.25, 5);
  });
});

describe('traffic without a mesh', () => {
  it('follows HTTPRoute backendRefs weights and header matches', async () => {
    await stableAndCanary(api, namespace, 'gw');
    await api.custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace,
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'gw' },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'gw', port: 80 }],
          rules: [
            { matches: [{ headers: [{ name: 'x-beta', value: 'yes' }] }], backendRefs: [{ name: 'gw-canary', port: 80 }] },
            { backendRefs: [{ name: 'gw-stable', port: 80, weight: 80 }, { name: 'gw-canary', port: 80, weight: 20 }] },
          ],
        },
      },
    });
    const canaryShare = sim.route({ namespace, host: 'gw' }).filter((o) => o.deployment === 'gw-canary').reduce((a, o) => a + o.share, 0);
    expect(canaryShare).toBeCloseTo(0.2, 5);
    expect(sim.route({ namespace, host: 'gw', headers: { 'x-beta': 'yes' } }).map((o) => o.deployment)).toEqual(['gw-canary']);
  });

  it('falls back to the Service selector: ready pods share traffic evenly', async () => {
    await stableAndCanary(api, namespace, 'plain', { stableReplicas: 3, canaryReplicas: 1 });
    sim.setTraffic({ namespace, host: 'plain', rps: 2000 });
    const counts = await measure('plain');
    expect(share(counts, (k) => k.startsWith('plain-canary/'))).toBeCloseTo(0.25, 2);
  });
});

describe('default traffic', () => {
  it('trafficRps sends requests to every Service that has no setTraffic of its own', async () => {
    const own = await startKubeSim({ readyDelayMs: 50, trafficRps: 1000, namespaces: ['auto'] });
    try {
      const a = apisFor(own.kubeconfigPath);
      await stableAndCanary(a, 'auto', 'svc');
      await wait(800);
      const served = own.trafficCounts().filter((c) => c.namespace === 'auto' && c.host === 'svc' && c.code === '200');
      expect(new Set(served.map((c) => c.deployment))).toEqual(new Set(['svc-stable', 'svc-canary']));
      // svc-stable and svc-canary are Services too, so they get their own traffic.
      expect(own.trafficCounts().some((c) => c.host === 'svc-canary' && c.value > 0)).toBe(true);
    } finally {
      await own.stop();
    }
  });
});
