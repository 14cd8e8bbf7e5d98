// Traffic routers: the one object that decides where requests go, read and written
// through the Cluster port. Every `write` is exactly ONE API request.
import { ConfigError } from '../core/errors.js';
import type { Cluster, KubeObject, ObjectRef } from '../core/cluster.js';
import {
  LABEL_TRACK,
  httpRouteRules,
  istioRoutes,
  parseHttpRoute,
  parseVirtualService,
  renderDestinationRule,
  renderHttpRoute,
  renderVirtualService,
  virtualServiceRoutePatch,
  type Templates,
} from './render.js';
import { readModel, ServiceReadModel } from './read-models.js';
import type { ReleaseSpec, StrategyName, TrafficSplit } from './types.js';

export interface TrafficRouter {
  readonly kind: string;
  /** The routing object, for reports and benchmarks. */
  readonly ref: ObjectRef | undefined;
  /** Create what is missing (DestinationRule, the owned VirtualService or HTTPRoute) at `initial`; no write when it exists. */
  ensure(initial: TrafficSplit, tracks: string[]): Promise<void>;
  /** Where traffic goes now; undefined when the router routes by replicas. */
  read(): Promise<TrafficSplit | undefined>;
  write(split: TrafficSplit): Promise<void>;
}

export function makeRouter(cluster: Cluster, spec: ReleaseSpec, templates: Templates, strategy: StrategyName): TrafficRouter {
  const rc = spec.routerConfig;
  const ns = spec.namespace;
  if (rc.kind === 'istio') {
    const ref: ObjectRef = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: ns, name: rc.virtualService };
    let lastSeen: KubeObject | undefined;
    return {
      kind: 'istio',
      ref,
      async ensure(initial, tracks) {
        const dr = renderDestinationRule(templates, spec, tracks);
        if (!(await cluster.get(refOfObj(dr)))) await cluster.create(dr);
        const vs = await cluster.get(ref);
        if (vs) return;
        if (rc.mode === 'patch') {
          throw new ConfigError([
            {
              path: `release.apps.${spec.app}.router.istio`,
              message: `VirtualService ${ns}/${rc.virtualService} does not exist, and mode "patch" only edits a user-owned one`,
              hint: 'create it with a route named ' + rc.route + ', or use mode: owned',
            },
          ]);
        }
        await cluster.create(renderVirtualService(templates, spec, initial));
      },
      async read() {
        lastSeen = await cluster.get(ref);
        return lastSeen ? parseVirtualService(lastSeen, rc.route) : undefined;
      },
      async write(split) {
        if (rc.mode === 'owned') {
          // A merge patch replaces the whole http list: our routes are the only ones.
          await cluster.patch(ref, { spec: { http: istioRoutes(spec, split, rc.route) } }, 'merge');
          return;
        }
        const vs = lastSeen ?? (await cluster.get(ref));
        if (!vs) throw new ConfigError([{ path: `release.apps.${spec.app}.router.istio`, message: `VirtualService ${ns}/${rc.virtualService} is gone` }]);
        await cluster.patch(ref, virtualServiceRoutePatch(vs, spec, split, rc.route), 'json');
        lastSeen = undefined;
      },
    };
  }
  if (rc.kind === 'gatewayApi') {
    const ref: ObjectRef = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: ns, name: rc.httpRoute };
    return {
      kind: 'gatewayApi',
      ref,
      async ensure(initial) {
        if (!(await cluster.get(ref))) await cluster.create(renderHttpRoute(templates, spec, initial));
      },
      async read() {
        const route = await cluster.get(ref);
        return route ? parseHttpRoute(route, spec.app) : undefined;
      },
      async write(split) {
        await cluster.patch(ref, { spec: { rules: httpRouteRules(spec, split) } }, 'merge');
      },
    };
  }
  // No mesh. Blue-green switches the app Service's selector; canary follows replica counts.
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Service', namespace: ns, name: spec.app };
  if (strategy !== 'blueGreen') {
    return {
      kind: 'service',
      ref: undefined,
      ensure: () => Promise.resolve(),
      read: () => Promise.resolve(undefined),
      write: () => Promise.resolve(),
    };
  }
  return {
    kind: 'service',
    ref,
    ensure: () => Promise.resolve(),
    async read() {
      const svc = await cluster.get(ref);
      const track = svc ? readModel(ServiceReadModel, svc).spec?.selector?.[LABEL_TRACK] : undefined;
      return track ? { weights: { [track]: 100 }, cohorts: [] } : undefined;
    },
    async write(split) {
      const track = Object.entries(split.weights).find(([, w]) => w >= 100)?.[0];
      if (!track) throw new ConfigError([{ path: `release.apps.${spec.app}.router`, message: 'the service router can only send all traffic to one slot' }]);
      await cluster.patch(ref, { spec: { selector: { [LABEL_TRACK]: track } } }, 'merge');
    },
  };
}

function refOfObj(o: KubeObject): ObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? 'default', name: o.metadata.name };
}
