// Simulated client traffic for the test bed, which has no data plane. Every tick it reads the
// REAL routing objects from the API server (VirtualService/DestinationRule, HTTPRoute,
// Services and Deployments with their ready replicas), spreads each configured host's
// requests with `trafficShares` — the one routing implementation, shared with the release
// stage — and counts them per serving Deployment and status code. A Deployment's error
// rate and latency come from its pod template's annotations, so a "bad version" is a
// release with `testbed.shardship.dev/error-rate: "0.4"`. Counts accumulate as expected
// values with fractions carried (a 90/10 split is exactly 90/10) and are exported on
// /metrics under Istio's own metric names, which a real Prometheus scrapes.
import { createServer, type Server } from 'node:http';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { NO_BACKEND, trafficShares, type RoutingObjects } from '../../../pipeline/kube/shares.js';
import { NotFoundError, ResourceTypeMissingError, type Cluster, type KubeObject } from '../../../pipeline/core/cluster.js';
import { freePort } from '../service.js';

/** Pod-template annotations the test bed acts on (traffic here, pod lifecycle in kwok-stages.yaml). */
export const ANNOTATION = {
  errorRate: 'testbed.shardship.dev/error-rate',
  latencyMs: 'testbed.shardship.dev/latency-ms',
  neverReady: 'testbed.shardship.dev/never-ready',
  crashLoop: 'testbed.shardship.dev/crash-loop',
  readyDelay: 'testbed.shardship.dev/ready-delay',
  restartInterval: 'testbed.shardship.dev/restart-interval',
} as const;

export interface HeaderCohort {
  headers: Record<string, string>;
  share: number;
}

export interface TrafficConfig {
  namespace: string;
  /** The Service name clients call. */
  host: string;
  rps: number;
  headerMix?: HeaderCohort[];
}

/** One slice of a host's traffic: who answers it, with which code, and what share of requests. */
export interface Outcome {
  deployment: string;
  code: string;
  share: number;
  latencyMs: number;
}

interface Series {
  namespace: string;
  host: string;
  deployment: string;
  code: string;
  count: number;
  carry: number;
  sumMs: number;
  buckets: number[];
}

const BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export interface TrafficGenerator {
  /** http://127.0.0.1:PORT/metrics */
  metricsUrl: string;
  set(cfg: TrafficConfig): void;
  /** Where a request to `host` goes right now, from the routing objects in the cluster. */
  route(namespace: string, host: string, headers?: Record<string, string>): Promise<Outcome[]>;
  counters(): { namespace: string; host: string; deployment: string; code: string; value: number }[];
  /** One round now (the timer also runs them). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

async function listOrEmpty(c: Cluster, apiVersion: string, kind: string, ns: string): Promise<KubeObject[]> {
  try {
    return await c.list(apiVersion, kind, ns);
  } catch (e) {
    // No Istio or Gateway API CRDs: no routing object of that kind.
    if (e instanceof NotFoundError || e instanceof ResourceTypeMissingError) return [];
    throw e;
  }
}

export async function readRoutingObjects(c: Cluster, ns: string): Promise<RoutingObjects> {
  const [virtualServices, destinationRules, httpRoutes, services, deployments] = await Promise.all([
    listOrEmpty(c, 'networking.istio.io/v1', 'VirtualService', ns),
    listOrEmpty(c, 'networking.istio.io/v1', 'DestinationRule', ns),
    listOrEmpty(c, 'gateway.networking.k8s.io/v1', 'HTTPRoute', ns),
    listOrEmpty(c, 'v1', 'Service', ns),
    listOrEmpty(c, 'apps/v1', 'Deployment', ns),
  ]);
  return { virtualServices, destinationRules, httpRoutes, services, deployments };
}

/** Split per-Deployment shares into outcomes by each Deployment's annotated error rate. */
export function outcomes(objs: RoutingObjects, namespace: string, host: string, headers: Record<string, string> = {}): Outcome[] {
  const shares = trafficShares(objs, { namespace, host, headers });
  const out: Outcome[] = [];
  for (const [deployment, share] of Object.entries(shares)) {
    if (deployment === NO_BACKEND) {
      out.push({ deployment: NO_BACKEND, code: '503', share, latencyMs: 1 });
      continue;
    }
    const d = objs.deployments.find((x) => x.metadata.name === deployment);
    const ann = ((d?.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations ?? {});
    const errorRate = Math.min(1, Math.max(0, Number(ann[ANNOTATION.errorRate] ?? 0) || 0));
    const latencyMs = Number(ann[ANNOTATION.latencyMs] ?? 20) || 20;
    if (errorRate < 1) out.push({ deployment, code: '200', share: share * (1 - errorRate), latencyMs });
    if (errorRate > 0) out.push({ deployment, code: '500', share: share * errorRate, latencyMs });
  }
  return out;
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export async function startTraffic(opts: { kubeconfigPath: string; intervalMs?: number }): Promise<TrafficGenerator> {
  const cluster = connectCluster({ kubeconfigPath: opts.kubeconfigPath, backoffMs: 50 });
  const configs = new Map<string, Required<TrafficConfig>>();
  const series = new Map<string, Series>();
  let last = Date.now();
  let running: Promise<void> | undefined;

  const add = (namespace: string, host: string, o: Outcome, expected: number) => {
    const k = `${namespace}\u0000${host}\u0000${o.deployment}\u0000${o.code}`;
    let s = series.get(k);
    if (!s) {
      s = { namespace, host, deployment: o.deployment, code: o.code, count: 0, carry: 0, sumMs: 0, buckets: BUCKETS_MS.map(() => 0) };
      series.set(k, s);
    }
    s.carry += expected;
    const n = Math.floor(s.carry);
    if (n <= 0) return;
    s.carry -= n;
    s.count += n;
    s.sumMs += n * o.latencyMs;
    BUCKETS_MS.forEach((le, i) => {
      if (o.latencyMs <= le) s.buckets[i]! += n;
    });
  };

  const round = async () => {
    const now = Date.now();
    const dt = (now - last) / 1000;
    last = now;
    const active = [...configs.values()].filter((c) => c.rps > 0);
    const byNs = new Map<string, RoutingObjects>();
    for (const ns of new Set(active.map((c) => c.namespace))) byNs.set(ns, await readRoutingObjects(cluster, ns));
    for (const cfg of active) {
      const objs = byNs.get(cfg.namespace)!;
      const mixed = cfg.headerMix.reduce((a, c) => a + c.share, 0);
      for (const cohort of [...cfg.headerMix, { headers: {}, share: Math.max(0, 1 - mixed) }]) {
        if (cohort.share <= 0) continue;
        for (const o of outcomes(objs, cfg.namespace, cfg.host, cohort.headers)) add(cfg.namespace, cfg.host, o, cfg.rps * dt * cohort.share * o.share);
      }
    }
  };
  const tick = () => {
    running ??= round().finally(() => (running = undefined));
    return running;
  };

  const render = () => {
    const lines = ['# HELP istio_requests_total Simulated requests, by the workload that served them and the response code.', '# TYPE istio_requests_total counter'];
    const all = [...series.values()];
    const labels = (s: Series) =>
      `reporter="destination",destination_service_name="${esc(s.host)}",destination_workload="${esc(s.deployment)}",destination_workload_namespace="${esc(s.namespace)}",response_code="${s.code}"`;
    for (const s of all) lines.push(`istio_requests_total{${labels(s)}} ${s.count}`);
    lines.push('# HELP istio_request_duration_milliseconds Simulated request latency.', '# TYPE istio_request_duration_milliseconds histogram');
    for (const s of all) {
      BUCKETS_MS.forEach((le, i) => lines.push(`istio_request_duration_milliseconds_bucket{${labels(s)},le="${le}"} ${s.buckets[i]!}`));
      lines.push(`istio_request_duration_milliseconds_bucket{${labels(s)},le="+Inf"} ${s.count}`);
      lines.push(`istio_request_duration_milliseconds_sum{${labels(s)}} ${s.sumMs}`);
      lines.push(`istio_request_duration_milliseconds_count{${labels(s)}} ${s.count}`);
    }
    return `${lines.join('\n')}\n`;
  };

  const port = await freePort();
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(render());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const timer = setInterval(() => {
    tick().catch((e: unknown) => process.stderr.write(`testbed traffic: ${(e as Error).message}\n`));
  }, opts.intervalMs ?? 250);
  timer.unref();

  return {
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    set: (cfg) => configs.set(`${cfg.namespace}/${cfg.host}`, { ...cfg, headerMix: cfg.headerMix ?? [] }),
    route: async (namespace, host, headers = {}) => outcomes(await readRoutingObjects(cluster, namespace), namespace, host, headers),
    counters: () => [...series.values()].map((s) => ({ namespace: s.namespace, host: s.host, deployment: s.deployment, code: s.code, value: s.count })),
    tick,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
