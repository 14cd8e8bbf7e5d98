// Shared set-up for release e2e tests. Two targets:
// - the test bed (default, and CI): the real Kubernetes control plane built from Go modules
//   (test/support/cluster: etcd, kube-apiserver with RBAC, controller-manager, scheduler,
//   KWOK nodes), shared by the whole run; each test file works in its own fresh namespace.
//   The releases' client goes through a fault-injecting proxy (API 5xx, request counts),
//   and a traffic generator reads the real routing objects and exports per-version request
//   counters that a real Prometheus scrapes;
// - any other cluster (opt-in): SHARDSHIP_E2E_CLUSTER=1 and KUBECONFIG set. The namespace is
//   SHARDSHIP_E2E_NAMESPACE (used as is) or a fresh `shardship-e2e-<random>`; Prometheus is
//   SHARDSHIP_E2E_PROMETHEUS_URL (else a local one scraping the traffic generator). The few
//   scenarios that need KWOK's pod faults or the proxy are `bedOnly`.
// Tests observe the cluster only through the API (routing objects, the release reports).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'vitest';
import { stringify } from 'yaml';
import type { RunningPrometheus } from '../../support/prometheus.js';
import { removeDir, tempDir } from '../../support/service.js';
import { sharedControlPlane, type ControlPlane } from '../../support/cluster/control-plane.js';
import { startFaultProxy, type FaultProxy } from '../../support/cluster/fault-proxy.js';
import { readRoutingObjects, startTraffic, type TrafficGenerator } from '../../support/cluster/traffic.js';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { trafficShares, type RoutingObjects } from '../../../pipeline/kube/shares.js';
import { ReleaseConfig } from '../../../pipeline/config/release.js';
import { prometheusSource } from '../../../pipeline/prometheus/client.js';
import type { ReleaseOptions } from '../../../pipeline/release/index.js';
import type { Cluster, KubeObject } from '../../../pipeline/core/cluster.js';

/** Run against the cluster named by KUBECONFIG instead of the test bed. */
export const onCluster = process.env.SHARDSHIP_E2E_CLUSTER === '1';
if (onCluster && !process.env.KUBECONFIG) throw new Error('SHARDSHIP_E2E_CLUSTER=1 needs KUBECONFIG pointing at the cluster to test against');

export const NS = (onCluster && process.env.SHARDSHIP_E2E_NAMESPACE) || `shardship-e2e-${randomBytes(4).toString('hex')}`;

/**
 * The image a test names, as the cluster gets it. On the test bed (KWOK runs no
 * containers): unchanged. On a real cluster with SHARDSHIP_E2E_IMAGE=repo@sha256:... (an
 * image that serves the template's readiness probe): `repo:<name-from-ref>@sha256:...`:
 * every version pulls the same image by digest, yet each release still gets a distinct
 * reference, as shardship requires.
 */
export function img(ref: string): string {
  const base = process.env.SHARDSHIP_E2E_IMAGE;
  if (!onCluster || !base) return ref;
  const m = /^([^@]+)@(sha256:[0-9a-f]{64})$/.exec(base);
  if (!m) throw new Error(`SHARDSHIP_E2E_IMAGE must be pinned by digest (repo@sha256:...), got ${base}`);
  const repo = m[1]!.replace(/:[\w.-]+$/, '');
  return `${repo}:${ref.replace(/^.*\//, '').replace(/[^\w.-]/g, '-')}@${m[2]!}`;
}

/** A scenario that needs the test bed's KWOK pod faults or its fault proxy: skipped on another cluster (never in CI). */
export const bedOnly = it.skipIf(onCluster);

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
  mode: 'testbed' | 'cluster';
  /** The test bed's control plane; undefined on another cluster (use `bedOf` in bedOnly tests). */
  plane: ControlPlane | undefined;
  /** The fault proxy the releases' client goes through (test bed only). */
  proxy: FaultProxy | undefined;
  traffic: TrafficGenerator;
  prom: RunningPrometheus | undefined;
  /** Prometheus base URL, when the harness has one. */
  promUrl: string | undefined;
  /** The kubeconfig the releases use (through the fault proxy on the test bed). */
  kubeconfigPath: string;
  /** Admin kubeconfig straight to the API server, for the tests' own reads and kubectl. */
  observerKubeconfigPath: string;
  kubectlPath: string;
  /** The client the releases use: its counters are the release reports' `api`. */
  cluster: Cluster;
  /** A second client for the tests' own reads, so they never show in the releases' counters. */
  observer: Cluster;
  dir: string;
  /** kubectl against the cluster as admin; throws on a non-zero exit. */
  kubectl(args: string[], input?: string): string;
  stop(): Promise<void>;
}

export async function startHarness(opts: { prometheus?: boolean } = {}): Promise<Harness> {
  const dir = tempDir('release-e2e');
  const plane = onCluster ? undefined : await sharedControlPlane();
  const observerKubeconfigPath = plane ? plane.kubeconfigPath : process.env.KUBECONFIG!;
  const kubectlPath = plane ? plane.kubectlPath : 'kubectl';
  const kubectl = (args: string[], input?: string) =>
    execFileSync(kubectlPath, ['--kubeconfig', observerKubeconfigPath, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  // kubectl, a client nobody here wrote, manages the namespace (a cluster-scoped object the release engine never touches).
  const ownNamespace = !(onCluster && process.env.SHARDSHIP_E2E_NAMESPACE);
  if (ownNamespace) kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'app.kubernetes.io/managed-by': 'shardship-e2e' } } }));
  const proxy = plane ? await startFaultProxy(plane, dir) : undefined;
  const traffic = await startTraffic({ kubeconfigPath: observerKubeconfigPath });
  let prom: RunningPrometheus | undefined;
  let promUrl = onCluster ? process.env.SHARDSHIP_E2E_PROMETHEUS_URL : undefined;
  if (opts.prometheus && !promUrl) {
    const { startPrometheus } = await import('../../support/prometheus.js');
    prom = await startPrometheus({ targets: [traffic.metricsUrl], scrapeIntervalSeconds: 1 });
    await prom.waitForTargets();
    promUrl = prom.url;
  }
  process.stderr.write(`shardship-e2e: mode=${plane ? 'testbed' : 'cluster'} namespace=${NS} kubeconfig=${observerKubeconfigPath}\n`);
  const kubeconfigPath = proxy ? proxy.kubeconfigPath : observerKubeconfigPath;
  return {
    mode: plane ? 'testbed' : 'cluster',
    plane,
    proxy,
    traffic,
    prom,
    promUrl,
    kubeconfigPath,
    observerKubeconfigPath,
    kubectlPath,
    cluster: connectCluster({ kubeconfigPath, backoffMs: 50 }),
    observer: connectCluster({ kubeconfigPath: observerKubeconfigPath, backoffMs: 50 }),
    dir,
    kubectl,
    stop: async () => {
      await prom?.stop();
      await traffic.stop();
      await proxy?.stop();
      if (ownNamespace) kubectl(['delete', 'namespace', NS, '--wait=false']);
      removeDir(dir);
    },
  };
}

/** The test bed's control plane and fault proxy, for bedOnly scenarios. */
export function bedOf(h: Harness): { plane: ControlPlane; proxy: FaultProxy } {
  if (!h.plane || !h.proxy) throw new Error('this scenario needs the test bed: mark it bedOnly');
  return { plane: h.plane, proxy: h.proxy };
}

/** The error ratio of the new version, from the traffic generator's counters (Istio's metric names), in real PromQL
 * (`or vector(0)`: with no 5xx at all the numerator has no series, which is not "no data"). */
export const ERROR_RATE =
  '(sum(rate(istio_requests_total{destination_workload_namespace="${namespace}",destination_workload="${canary}",response_code=~"5.."}[4s])) or vector(0)) / sum(rate(istio_requests_total{destination_workload_namespace="${namespace}",destination_workload="${canary}"}[4s]))';
export const SAMPLES = 'sum(increase(istio_requests_total{destination_workload_namespace="${namespace}",destination_workload="${canary}"}[4s]))';

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

export async function routingObjects(h: Harness): Promise<RoutingObjects> {
  return readRoutingObjects(h.observer, NS);
}

/** Share of a host's traffic each Deployment gets right now, computed from the routing objects in the cluster. */
export async function shares(h: Harness, host: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  return trafficShares(await routingObjects(h), { namespace: NS, host, headers });
}
