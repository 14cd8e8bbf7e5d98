// A real Prometheus (Debian `prometheus`, started by test/support/prometheus.ts) scrapes the
// simulator's /metrics; real PromQL over the HTTP API sees the traffic split and error rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, ANNOTATION, type KubeSim } from '../../support/kube-sim/index.js';
import { startPrometheus, type RunningPrometheus } from '../../support/prometheus.js';
import { eventually } from './cluster.js';
import { apisFor, istioSplit, stableAndCanary, weighted } from './scenario.js';

let sim: KubeSim;
let prom: RunningPrometheus;
const namespace = 'prod';

beforeAll(async () => {
  sim = await startKubeSim({ readyDelayMs: 100, namespaces: [namespace] });
  prom = await startPrometheus({ targets: [sim.metricsUrl] });
  const api = apisFor(sim.kubeconfigPath);
  await stableAndCanary(api, namespace, 'web', { canaryAnnotations: { [ANNOTATION.errorRate]: '0.2' } });
  await istioSplit(api, namespace, 'web', [weighted('web', 90, 10)]);
  sim.setTraffic({ namespace, host: 'web', rps: 500 });
  await prom.waitForTargets();
});
afterAll(async () => {
  await prom?.stop();
  await sim?.stop();
});

describe('Prometheus scraping the simulator', () => {
  it('sum by (deployment) (rate(...[10s])) shows the 90/10 split', async () => {
    const byDeployment = await eventually(
      async () => {
        const rows = await prom.query(`sum by (deployment) (rate(shardship_sim_requests_total{namespace="${namespace}",host="web"}[10s]))`);
        const m = Object.fromEntries(rows.map((r) => [r.metric.deployment, Number(r.value[1])]));
        // Early on the 10s window holds only a few scrapes and rate() under-reads: wait for it to fill.
        return (m['web-canary'] ?? 0) > 0 && (m['web-stable'] ?? 0) + (m['web-canary'] ?? 0) > 400 ? m : undefined;
      },
      30_000,
      'rates for both deployments',
    );
    const total = byDeployment['web-stable']! + byDeployment['web-canary']!;
    expect(total).toBeGreaterThan(400);
    expect(total).toBeLessThan(650);
    expect(byDeployment['web-canary']! / total).toBeGreaterThan(0.07);
    expect(byDeployment['web-canary']! / total).toBeLessThan(0.13);
  });

  it('an error-rate query per deployment sees the canary failing at its annotated rate', async () => {
    const rows = await eventually(
      async () => {
        const r = await prom.query(
          `sum by (deployment) (rate(shardship_sim_requests_total{namespace="${namespace}",code=~"5.."}[10s])) / sum by (deployment) (rate(shardship_sim_requests_total{namespace="${namespace}"}[10s]))`,
        );
        return r.length > 0 ? r : undefined;
      },
      30_000,
      'error ratio',
    );
    const ratio = Object.fromEntries(rows.map((r) => [r.metric.deployment, Number(r.value[1])]));
    expect(Object.keys(ratio)).toEqual(['web-canary']);
    expect(ratio['web-canary']).toBeGreaterThan(0.15);
    expect(ratio['web-canary']).toBeLessThan(0.25);
  });
});
