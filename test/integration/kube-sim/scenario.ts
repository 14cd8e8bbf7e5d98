// A stable + canary pair behind one Service, as the release engine lays it out: shared
// by the traffic and Prometheus tests.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { deploymentManifest, eventually } from './cluster.js';

export interface Apis {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
}

export function apisFor(kubeconfigPath: string): Apis {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

/** `<app>-stable` and `<app>-canary` Deployments, Services `<app>`, `<app>-stable`, `<app>-canary`. */
export async function stableAndCanary(
  api: Apis,
  namespace: string,
  app: string,
  opts: { stableReplicas?: number; canaryReplicas?: number; canaryAnnotations?: Record<string, string> } = {},
): Promise<void> {
  const tracks = [
    ['stable', opts.stableReplicas ?? 2, {}],
    ['canary', opts.canaryReplicas ?? 1, opts.canaryAnnotations ?? {}],
  ] as const;
  for (const [track, replicas, annotations] of tracks) {
    await api.apps.createNamespacedDeployment({
      namespace,
      body: deploymentManifest(`${app}-${track}`, { replicas, labels: { app, track }, annotations }),
    });
    await api.core.createNamespacedService({
      namespace,
      body: { metadata: { name: `${app}-${track}` }, spec: { selector: { app, track }, ports: [{ port: 80, targetPort: 8080 }] } },
    });
  }
  await api.core.createNamespacedService({ namespace, body: { metadata: { name: app }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } } });
  await eventually(
    async () => {
      const ds = await api.apps.listNamespacedDeployment({ namespace, labelSelector: `app=${app}` });
      return ds.items.length === 2 && ds.items.every((d) => (d.status?.readyReplicas ?? 0) === d.spec?.replicas) ? true : undefined;
    },
    30_000,
    `${app} ready`,
  );
}

export async function istioSplit(api: Apis, namespace: string, app: string, http: unknown[]): Promise<void> {
  await api.custom.createNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1',
    namespace,
    plural: 'destinationrules',
    body: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: app },
      spec: { host: app, subsets: [{ name: 'stable', labels: { track: 'stable' } }, { name: 'canary', labels: { track: 'canary' } }] },
    },
  });
  await api.custom.createNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1',
    namespace,
    plural: 'virtualservices',
    body: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: app }, spec: { hosts: [app], http } },
  });
}

export const weighted = (app: string, stable: number, canary: number) => ({
  name: 'primary',
  route: [
    { destination: { host: app, subset: 'stable' }, weight: stable },
    { destination: { host: app, subset: 'canary' }, weight: canary },
  ],
});

/** shardship_sim_requests_total from the simulator's /metrics, as { "deployment/code": count } for one host. */
export async function scrapeCounts(metricsUrl: string, host: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^shardship_sim_requests_total\{([^}]*)\} (\d+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels.host !== host) continue;
    out[`${labels.deployment}/${labels.code}`] = Number(m[2]);
  }
  return out;
}

export function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

export function share(counts: Record<string, number>, pred: (key: string) => boolean): number {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const part = Object.entries(counts)
    .filter(([k]) => pred(k))
    .reduce((a, [, v]) => a + v, 0);
  return total === 0 ? 0 : part / total;
}
