// Shared set-up for release e2e tests: the kube simulator, a real Prometheus scraping its
// traffic counters, a Cluster adapter on the simulator's kubeconfig, and a config builder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startKubeSim, type KubeSim } from '../../support/kube-sim/index.js';
import { startPrometheus, type RunningPrometheus } from '../../support/prometheus.js';
import { removeDir, tempDir } from '../../support/service.js';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { ReleaseConfig } from '../../../pipeline/config/release.js';
import { prometheusSource } from '../../../pipeline/prometheus/client.js';
import type { ReleaseOptions } from '../../../pipeline/release/index.js';
import type { Cluster, KubeObject } from '../../../pipeline/kube/types.js';

export const NS = 'shop';

/** The fields tests read back from objects. */
export interface DeploymentShape {
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
}
export interface ServiceShape {
  spec: { selector: Record<string, string> };
}
export interface VirtualServiceShape {
  spec: { http: { name: string; route: { weight?: number }[]; [k: string]: unknown }[] };
}

export interface Harness {
  sim: KubeSim;
  prom: RunningPrometheus | undefined;
  cluster: Cluster;
  dir: string;
  stop(): Promise<void>;
}

export async function startHarness(opts: { prometheus?: boolean; readyDelayMs?: number } = {}): Promise<Harness> {
  const sim = await startKubeSim({ readyDelayMs: opts.readyDelayMs ?? 150, namespaces: [NS] });
  let prom: RunningPrometheus | undefined;
  try {
    if (opts.prometheus) {
      prom = await startPrometheus({ targets: [sim.metricsUrl], scrapeIntervalSeconds: 1 });
      await prom.waitForTargets();
    }
  } catch (e) {
    await sim.stop();
    throw e;
  }
  const cluster = connectCluster({ kubeconfigPath: sim.kubeconfigPath, backoffMs: 20 });
  const dir = tempDir('release-e2e');
  return {
    sim,
    prom,
    cluster,
    dir,
    stop: async () => {
      await prom?.stop();
      await sim.stop();
      removeDir(dir);
    },
  };
}

/** The error ratio of the new version, from the simulator's counters, in real PromQL
 * (`or vector(0)`: with no 5xx at all the numerator has no series, which is not "no data"). */
export const ERROR_RATE =
  '(sum(rate(shardship_sim_requests_total{namespace="${namespace}",deployment="${canary}",code="500"}[4s])) or vector(0)) / sum(rate(shardship_sim_requests_total{namespace="${namespace}",deployment="${canary}"}[4s]))';
export const SAMPLES = 'sum(increase(shardship_sim_requests_total{namespace="${namespace}",deployment="${canary}"}[4s]))';

export function releaseConfig(apps: Record<string, unknown>, promUrl?: string): ReleaseConfig {
  return ReleaseConfig.parse({
    namespace: NS,
    analysis: {
      'error-rate': {
        interval: '1s',
        count: 3,
        failureLimit: 0,
        inconclusiveLimit: 3,
        prometheus: { address: promUrl ?? 'http://127.0.0.1:1', query: ERROR_RATE, successCondition: 'result < 0.05', sampleQuery: SAMPLES, minSamples: 20 },
      },
      pods: { interval: '200ms', count: 2, kubernetes: { maxRestarts: 0 } },
    },
    apps,
  });
}

export function baseOptions(h: Harness, config: ReleaseConfig, app: string, extra: Partial<ReleaseOptions> = {}): ReleaseOptions {
  return {
    cluster: h.cluster,
    metrics: (address: string) => prometheusSource(address),
    config,
    app,
    env: { USER: 'e2e-tester', GITHUB_RUN_ID: '4242' },
    pollMs: 50,
    timeoutMs: 60_000,
    ...extra,
  };
}

/** Write shardship.yaml for CLI runs. */
export function writeConfigFile(dir: string, release: unknown): string {
  const file = join(dir, 'shardship.yaml');
  writeFileSync(file, stringify({ version: 1, release }));
  return file;
}

export async function getObj<T = KubeObject>(h: Harness, apiVersion: string, kind: string, name: string): Promise<T> {
  const o = await h.cluster.get({ apiVersion, kind, namespace: NS, name });
  if (!o) throw new Error(`${kind} ${name} not found`);
  return o as T;
}

/** Share of a host's traffic each Deployment gets right now, per the simulator's routing. */
export function shares(h: Harness, host: string, headers: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of h.sim.route({ namespace: NS, host, headers })) out[o.deployment] = (out[o.deployment] ?? 0) + o.share;
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]! * 1000) / 1000;
  return out;
}

/** API writes to paths containing `part` since request index `from`. */
export function writesTo(h: Harness, part: string, from = 0): number {
  return h.sim
    .stats()
    .requests.slice(from)
    .filter((r) => ['create', 'update', 'patch', 'delete'].includes(r.verb) && r.path.includes(part) && r.status < 300).length;
}
