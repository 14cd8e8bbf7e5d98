// The kube simulator: the one sanctioned stand-in for a Kubernetes cluster in this project.
// A real HTTP server speaking the API paths @kubernetes/client-node and kubectl use, with
// an in-process deployment controller, simulated traffic and Prometheus metrics.
// See docs/kube-sim.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { removeDir, tempDir } from '../service.js';
import { RESOURCES } from './resources.js';
import { Store } from './store.js';
import { ApiServer, Faults, Stats, type RequestRecord } from './server.js';
import { Controllers } from './controller.js';
import { Traffic, type Outcome, type TrafficConfig } from './traffic.js';

export { ANNOTATION, templateHash } from './controller.js';
export type { Outcome, TrafficConfig, HeaderCohort } from './traffic.js';
export type { RequestRecord } from './server.js';
export type { KObject } from './types.js';

export interface KubeSimOptions {
  /** How long a new pod takes to become Ready (ms). Default 300. */
  readyDelayMs?: number;
  /** When set, every Service gets this many simulated requests per second unless setTraffic() says otherwise. */
  trafficRps?: number;
  /** Namespaces to create besides default, kube-system and kube-public. */
  namespaces?: string[];
  /** Listen on this port (default: any free port). */
  port?: number;
}

export interface KubeSimFaults {
  /** Answer the next `count` matching API requests with `status` (a Status body like the real server's). */
  apiError(opts: { status: number; count: number; verb?: string; pathIncludes?: string }): void;
  /** Answer the next `count` updates/patches (optionally only paths containing `pathIncludes`) with 409 Conflict. */
  conflicts(count: number, pathIncludes?: string): void;
  /** Deny a verb on a resource (`deployments`, `deployments.apps`, `deployments/scale`, or `*`) with 403 until clear(). */
  forbid(opts: { verb: string; resource: string }): void;
  clear(): void;
}

export interface KubeSimStats {
  /** API requests that changed (or tried to change) state: create, update, patch, delete, deletecollection. */
  writes: number;
  /** get, list and watch requests. */
  reads: number;
  byVerb: Record<string, number>;
  /** `VERB /path` -> count. */
  byPath: Record<string, number>;
  /** Discovery/openapi/version requests (not counted as reads). */
  discovery: number;
  /** Every API request in order, with its answer's status code. */
  requests: RequestRecord[];
}

export interface KubeSim {
  url: string;
  kubeconfigPath: string;
  metricsUrl: string;
  faults: KubeSimFaults;
  setTraffic(opts: TrafficConfig): void;
  /** API requests served (resource requests; discovery excluded), optionally of one verb. */
  requestCount(verb?: string): number;
  stats(): KubeSimStats;
  /** Forget the request log and counters (e.g. between benchmark phases). */
  resetStats(): void;
  /** Where a request to `host` with `headers` would go right now (shares sum to 1). */
  route(opts: { namespace?: string; host: string; headers?: Record<string, string> }): Outcome[];
  /** The simulated request counters, as exported on /metrics. */
  trafficCounts(): { namespace: string; host: string; deployment: string; code: string; value: number }[];
  stop(): Promise<void>;
}

const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export async function startKubeSim(opts: KubeSimOptions = {}): Promise<KubeSim> {
  const store = new Store();
  const nsType = RESOURCES.find((r) => r.kind === 'Namespace')!;
  for (const ns of new Set(['default', 'kube-system', 'kube-public', ...(opts.namespaces ?? [])])) {
    store.create(nsType, undefined, { metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } } });
  }
  const faults = new Faults();
  const stats = new Stats();
  const traffic = new Traffic(store, opts.trafficRps);
  const controllers = new Controllers(store, opts.readyDelayMs ?? 300);
  const api = new ApiServer({ store, faults, stats, metrics: () => traffic.render() });
  const url = await api.listen(opts.port ?? 0);
  controllers.start(50);
  traffic.start(100);

  const dir = tempDir('kube-sim');
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain http unless TLS verification is (vacuously) skipped.
      clusters: [{ name: 'sim', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      // The simulator does not authenticate; a token is there because some clients want a user.
      users: [{ name: 'sim', user: { token: 'kube-sim' } }],
      contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'sim', namespace: 'default' } }],
      'current-context': 'sim',
      preferences: {},
    }),
  );

  return {
    url,
    kubeconfigPath,
    metricsUrl: `${url}/metrics`,
    faults: {
      apiError: (f) => faults.apiErrors.push({ ...f }),
      conflicts: (count, pathIncludes) => {
        faults.conflictsLeft = count;
        faults.conflictPath = pathIncludes;
      },
      forbid: (f) => faults.forbidden.push({ ...f }),
      clear: () => faults.clear(),
    },
    setTraffic: (cfg) => traffic.set(cfg),
    requestCount: (verb) => stats.log.filter((r) => verb === undefined || r.verb === verb).length,
    stats: () => {
      const byVerb: Record<string, number> = {};
      const byPath: Record<string, number> = {};
      let writes = 0;
      for (const r of stats.log) {
        byVerb[r.verb] = (byVerb[r.verb] ?? 0) + 1;
        const k = `${r.verb.toUpperCase()} ${r.path}`;
        byPath[k] = (byPath[k] ?? 0) + 1;
        if (WRITES.has(r.verb)) writes++;
      }
      return { writes, reads: stats.log.length - writes, byVerb, byPath, discovery: stats.discovery, requests: [...stats.log] };
    },
    resetStats: () => stats.reset(),
    route: (o) => traffic.resolve(o.namespace ?? 'default', o.host, o.headers ?? {}),
    trafficCounts: () => traffic.counters(),
    stop: async () => {
      controllers.stop();
      traffic.stop();
      await api.close();
      removeDir(dir);
    },
  };
}
