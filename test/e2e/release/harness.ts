// Shared set-up for release e2e tests. Two targets:
// - the kube simulator (default): started in-process, with a real Prometheus scraping its
//   simulated traffic counters;
// - a real cluster (opt-in): SHARDSHIP_E2E_CLUSTER=1 and KUBECONFIG set. The namespace is
//   SHARDSHIP_E2E_NAMESPACE (used as is) or a fresh `shardship-e2e-<random>` created and
//   deleted here; Prometheus is SHARDSHIP_E2E_PROMETHEUS_URL (else a local one with no targets).
// Tests observe the cluster only through the API (routing objects, the release reports), so
// the same scenarios run on both; the few that need the simulator's fault knobs use `simOnly`.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'vitest';
import { stringify } from 'yaml';
import type { KubeSim } from '../../support/kube-sim/index.js';
import type { RunningPrometheus } from '../../support/prometheus.js';
import { ensureBinary, removeDir, tempDir } from '../../support/service.js';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { trafficShares, type RoutingObjects } from '../../../pipeline/kube/shares.js';
import { ReleaseConfig } from '../../../pipeline/config/release.js';
import { prometheusSource } from '../../../pipeline/prometheus/client.js';
import type { ReleaseOptions } from '../../../pipeline/release/index.js';
import { NotFoundError, type Cluster, type KubeObject } from '../../../pipeline/kube/types.js';

/** Run against the cluster named by KUBECONFIG instead of the simulator. */
export const onCluster = process.env.SHARDSHIP_E2E_CLUSTER === '1';
if (onCluster && !process.env.KUBECONFIG) throw new Error('SHARDSHIP_E2E_CLUSTER=1 needs KUBECONFIG pointing at the cluster to test against');

export const NS = onCluster ? process.env.SHARDSHIP_E2E_NAMESPACE || `shardship-e2e-${randomBytes(4).toString('hex')}` : 'shop';

/**
 * The image a test names, as the cluster gets it. On the simulator: unchanged. On a real
 * cluster with SHARDSHIP_E2E_IMAGE=repo@sha256:... (an image that serves the template's
 * readiness probe): `repo:<name-from-ref>@sha256:...`: every version pulls the same image by
 * digest, yet each release still gets a distinct reference, as shardship requires.
 */
export function img(ref: string): string {
  const base = process.env.SHARDSHIP_E2E_IMAGE;
  if (!onCluster || !base) return ref;
  const m = /^([^@]+)@(sha256:[0-9a-f]{64})$/.exec(base);
  if (!m) throw new Error(`SHARDSHIP_E2E_IMAGE must be pinned by digest (repo@sha256:...), got ${base}`);
  const repo = m[1]!.replace(/:[\w.-]+$/, '');
  return `${repo}:${ref.replace(/^.*\//, '').replace(/[^\w.-]/g, '-')}@${m[2]!}`;
}

/** A scenario that needs the simulator's fault injection or traffic: skipped on a real cluster (never in CI). */
export const simOnly = it.skipIf(onCluster);

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
  mode: 'sim' | 'cluster';
  /** The in-process simulator; undefined on a cluster (use `simOf` in simOnly tests). */
  sim: KubeSim | undefined;
  prom: RunningPrometheus | undefined;
  /** Prometheus base URL, when the harness has one. */
  promUrl: string | undefined;
  kubeconfigPath: string;
  /** The client the releases use: its counters are the release reports' `api`. */
  cluster: Cluster;
  /** A second client for the tests' own reads, so they never show in the releases' counters. */
  observer: Cluster;
  dir: string;
  stop(): Promise<void>;
}

export async function startHarness(opts: { prometheus?: boolean; readyDelayMs?: number } = {}): Promise<Harness> {
  return onCluster ? startOnCluster(opts) : startOnSim(opts);
}

async function startOnSim(opts: { prometheus?: boolean; readyDelayMs?: number }): Promise<Harness> {
  // Imported here so that a cluster run never loads the simulator.
  const { startKubeSim } = await import('../../support/kube-sim/index.js');
  const sim = await startKubeSim({ readyDelayMs: opts.readyDelayMs ?? 150, namespaces: [NS] });
  let prom: RunningPrometheus | undefined;
  try {
    if (opts.prometheus) {
      const { startPrometheus } = await import('../../support/prometheus.js');
      prom = await startPrometheus({ targets: [sim.metricsUrl], scrapeIntervalSeconds: 1 });
      await prom.waitForTargets();
    }
  } catch (e) {
    await sim.stop();
    throw e;
  }
  const dir = tempDir('release-e2e');
  return {
    mode: 'sim',
    sim,
    prom,
    promUrl: prom?.url,
    kubeconfigPath: sim.kubeconfigPath,
    cluster: connectCluster({ kubeconfigPath: sim.kubeconfigPath, backoffMs: 20 }),
    observer: connectCluster({ kubeconfigPath: sim.kubeconfigPath, backoffMs: 20 }),
    dir,
    stop: async () => {
      await prom?.stop();
      await sim.stop();
      removeDir(dir);
    },
  };
}

async function startOnCluster(opts: { prometheus?: boolean }): Promise<Harness> {
  const kubeconfigPath = process.env.KUBECONFIG!;
  // kubectl, a client nobody here wrote, manages the namespace (a cluster-scoped object the release engine never touches).
  const kubectl = ensureBinary('kubectl', ['kubectl']);
  const ownNamespace = !process.env.SHARDSHIP_E2E_NAMESPACE;
  if (ownNamespace) {
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'app.kubernetes.io/managed-by': 'shardship-e2e' } } });
    execFileSync(kubectl, ['--kubeconfig', kubeconfigPath, 'create', '-f', '-'], { input: manifest, stdio: ['pipe', 'pipe', 'pipe'] });
  }
  let prom: RunningPrometheus | undefined;
  let promUrl = process.env.SHARDSHIP_E2E_PROMETHEUS_URL;
  if (opts.prometheus && !promUrl) {
    const { startPrometheus } = await import('../../support/prometheus.js');
    prom = await startPrometheus({ targets: [] });
    promUrl = prom.url;
  }
  process.stderr.write(`shardship-e2e: mode=cluster namespace=${NS} kubeconfig=${kubeconfigPath}\n`);
  const dir = tempDir('release-e2e');
  return {
    mode: 'cluster',
    sim: undefined,
    prom,
    promUrl,
    kubeconfigPath,
    cluster: connectCluster({ kubeconfigPath, backoffMs: 50 }),
    observer: connectCluster({ kubeconfigPath, backoffMs: 50 }),
    dir,
    stop: async () => {
      await prom?.stop();
      if (ownNamespace) execFileSync(kubectl, ['--kubeconfig', kubeconfigPath, 'delete', 'namespace', NS, '--wait=false'], { stdio: 'pipe' });
      removeDir(dir);
    },
  };
}

/** The simulator, for simOnly scenarios. */
export function simOf(h: Harness): KubeSim {
  if (!h.sim) throw new Error('this scenario needs the kube simulator: mark it simOnly');
  return h.sim;
}

/** The error ratio of the new version, from the simulator's counters, in real PromQL
 * (`or vector(0)`: with no 5xx at all the numerator has no series, which is not "no data"). */
export const ERROR_RATE =
  '(sum(rate(shardship_sim_requests_total{namespace="${namespace}",deployment="${canary}",code="500"}[4s])) or vector(0)) / sum(rate(shardship_sim_requests_total{namespace="${namespace}",deployment="${canary}"}[4s]))';
export const SAMPLES = 'sum(increase(shardship_sim_requests_total{namespace="${namespace}",deployment="${canary}"}[4s]))';

export function releaseConfig(apps: Record<string, unknown>, promUrl?: string): ReleaseConfig {
  return ReleaseConfig.parse({
    namespace: NS,
    // On a real cluster, a template folder can give the test image its args and probes.
    ...(onCluster && process.env.SHARDSHIP_E2E_TEMPLATES ? { templates: resolve(process.env.SHARDSHIP_E2E_TEMPLATES) } : {}),
    analysis: {
      'error-rate': {
        interval: '1s',
        count: 3,
        failureLimit: 0,
        inconclusiveLimit: 3,
        prometheus: { address: promUrl ?? 'http://127.0.0.1:1', query: ERROR_RATE, successCondition: 'result < 0.05', sampleQuery: SAMPLES, minSamples: 20 },
      },
      pods: { interval: '200ms', count: 2, kubernetes: { maxRestarts: 0 } },
      'pods-slow': { interval: '1s', count: 5, kubernetes: { maxRestarts: 0 } },
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
  const o = await h.observer.get({ apiVersion, kind, namespace: NS, name });
  if (!o) throw new Error(`${kind} ${name} not found`);
  return o as T;
}

/** metadata.generation of an object: it goes up by one per write that changes the spec, whoever wrote it. */
export async function generationOf(h: Harness, apiVersion: string, kind: string, name: string): Promise<number> {
  return (await getObj(h, apiVersion, kind, name)).metadata.generation ?? 0;
}

async function listOrEmpty(c: Cluster, apiVersion: string, kind: string): Promise<KubeObject[]> {
  try {
    return await c.list(apiVersion, kind, NS);
  } catch (e) {
    // A cluster without Istio or the Gateway API has no such resource: no routing object of that kind.
    if (e instanceof NotFoundError) return [];
    throw e;
  }
}

export async function routingObjects(h: Harness): Promise<RoutingObjects> {
  const [virtualServices, destinationRules, httpRoutes, services, deployments] = await Promise.all([
    listOrEmpty(h.observer, 'networking.istio.io/v1', 'VirtualService'),
    listOrEmpty(h.observer, 'networking.istio.io/v1', 'DestinationRule'),
    listOrEmpty(h.observer, 'gateway.networking.k8s.io/v1', 'HTTPRoute'),
    listOrEmpty(h.observer, 'v1', 'Service'),
    listOrEmpty(h.observer, 'apps/v1', 'Deployment'),
  ]);
  return { virtualServices, destinationRules, httpRoutes, services, deployments };
}

/** Share of a host's traffic each Deployment gets right now, computed from the routing objects in the cluster. */
export async function shares(h: Harness, host: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  return trafficShares(await routingObjects(h), { namespace: NS, host, headers });
}

/** The same, as the simulator's traffic generator routes it (sim only). */
export function simShares(h: Harness, host: string, headers: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of simOf(h).route({ namespace: NS, host, headers })) out[o.deployment] = (out[o.deployment] ?? 0) + o.share;
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]! * 1000) / 1000;
  return out;
}
