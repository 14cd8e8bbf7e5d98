// trafficShares: where requests go, computed from routing objects alone (pure).
import { describe, expect, it } from 'vitest';
import { trafficShares, type RoutingObjects } from '../../../pipeline/kube/shares.js';
import type { KubeObject } from '../../../pipeline/core/cluster.js';

const NS = 'shop';
const meta = (name: string, namespace = NS) => ({ name, namespace });

function deployment(name: string, labels: Record<string, string>, ready: number, namespace = NS): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name, namespace), spec: { template: { metadata: { labels } } }, status: { readyReplicas: ready } };
}
function service(name: string, selector: Record<string, string> | undefined): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: selector ? { selector } : {} };
}

const app = 'app.kubernetes.io/name';
const track = 'shardship.dev/track';
const base = (over: Partial<RoutingObjects> = {}): RoutingObjects => ({
  virtualServices: [],
  destinationRules: [{ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: meta('web'), spec: { host: 'web', subsets: [{ name: 'stable', labels: { [track]: 'stable' } }, { name: 'canary', labels: { [track]: 'canary' } }] } }],
  httpRoutes: [],
  services: [service('web', { [app]: 'web' }), service('web-stable', { [app]: 'web', [track]: 'stable' }), service('web-canary', { [app]: 'web', [track]: 'canary' })],
  deployments: [deployment('web-stable', { [app]: 'web', [track]: 'stable' }, 3), deployment('web-canary', { [app]: 'web', [track]: 'canary' }, 1), deployment('web-stable', { [app]: 'web', [track]: 'stable' }, 9, 'other')],
  ...over,
});

const vs = (http: unknown[], hosts = ['web']): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta('web'), spec: { hosts, http } });
const dest = (subset: string, weight?: number) => ({ destination: { host: 'web', subset }, ...(weight !== undefined ? { weight } : {}) });

describe('trafficShares', () => {
  it('without a routing object, spreads over the Deployments the Service selects by ready replicas', () => {
    expect(trafficShares(base(), { namespace: NS, host: 'web' })).toEqual({ 'web-stable': 0.75, 'web-canary': 0.25 });
    expect(trafficShares(base(), { namespace: NS, host: 'web-canary.shop.svc.cluster.local' })).toEqual({ 'web-canary': 1 });
    expect(trafficShares(base({ deployments: [deployment('web-stable', { [app]: 'web', [track]: 'stable' }, 0)] }), { namespace: NS, host: 'web' })).toEqual({ none: 1 });
    expect(trafficShares(base(), { namespace: NS, host: 'missing' })).toEqual({ none: 1 });
    expect(trafficShares(base({ services: [service('web', undefined)] }), { namespace: NS, host: 'web' })).toEqual({ none: 1 });
  });

  it('Istio: the first matching http route, its weights, narrowed by DestinationRule subsets', () => {
    const objs = base({
      virtualServices: [
        vs([
          { name: 'web-cohort', match: [{ headers: { 'x-gray': { exact: 'true' } } }, { headers: { 'x-user-id': { regex: '^.*([0-7][0-9a-fA-F])$' } } }], route: [dest('canary', 100)] },
          { name: 'web', route: [dest('stable', 70), dest('canary', 30)] },
        ]),
      ],
    });
    expect(trafficShares(objs, { namespace: NS, host: 'web' })).toEqual({ 'web-stable': 0.7, 'web-canary': 0.3 });
    expect(trafficShares(objs, { namespace: NS, host: 'web', headers: { 'X-Gray': 'true' } })).toEqual({ 'web-canary': 1 });
    expect(trafficShares(objs, { namespace: NS, host: 'web', headers: { 'x-gray': 'yes' } })).toEqual({ 'web-stable': 0.7, 'web-canary': 0.3 });
    expect(trafficShares(objs, { namespace: NS, host: 'web', headers: { 'x-user-id': 'u-3c' } })).toEqual({ 'web-canary': 1 });
    expect(trafficShares(objs, { namespace: NS, host: 'web', headers: { 'x-user-id': 'u-c3' } })).toEqual({ 'web-stable': 0.7, 'web-canary': 0.3 });
  });

  it('Istio: unweighted destinations split evenly; unknown subsets and zero weights go nowhere; withoutHeaders', () => {
    expect(trafficShares(base({ virtualServices: [vs([{ route: [dest('stable'), dest('canary')] }])] }), { namespace: NS, host: 'web' })).toEqual({ 'web-stable': 0.5, 'web-canary': 0.5 });
    expect(trafficShares(base({ virtualServices: [vs([{ route: [dest('stable', 50), dest('ghost', 50)] }])] }), { namespace: NS, host: 'web' })).toEqual({ 'web-stable': 0.5, none: 0.5 });
    expect(trafficShares(base({ virtualServices: [vs([{ route: [dest('stable', 100), dest('canary', 0)] }])] }), { namespace: NS, host: 'web' })).toEqual({ 'web-stable': 1 });
    const without = base({ virtualServices: [vs([{ match: [{ withoutHeaders: { 'x-beta': {} } }], route: [dest('stable')] }, { route: [dest('canary')] }])] });
    expect(trafficShares(without, { namespace: NS, host: 'web' })).toEqual({ 'web-stable': 1 });
    expect(trafficShares(without, { namespace: NS, host: 'web', headers: { 'x-beta': '1' } })).toEqual({ 'web-canary': 1 });
    // No route matches at all: nowhere to go.
    expect(trafficShares(base({ virtualServices: [vs([{ match: [{ headers: { a: { exact: 'b' } } }], route: [dest('stable')] }])] }), { namespace: NS, host: 'web' })).toEqual({ none: 1 });
  });

  it('Gateway API: the most specific matching rule, its backendRef weights', () => {
    const route: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: meta('web'),
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'web' }],
        rules: [
          { backendRefs: [{ name: 'web-stable', port: 80, weight: 90 }, { name: 'web-canary', port: 80, weight: 10 }] },
          { matches: [{ headers: [{ type: 'Exact', name: 'x-gray', value: 'true' }] }], backendRefs: [{ name: 'web-canary', port: 80, weight: 1 }] },
          { matches: [{ headers: [{ type: 'RegularExpression', name: 'cookie', value: '^(.*;\\s*)?beta=1(;.*)?$' }] }], backendRefs: [{ name: 'web-canary', port: 80 }] },
        ],
      },
    };
    const objs = base({ httpRoutes: [route] });
    expect(trafficShares(objs, { namespace: NS, host: 'web' })).toEqual({ 'web-stable': 0.9, 'web-canary': 0.1 });
    expect(trafficShares(objs, { namespace: NS, host: 'web', headers: { 'x-gray': 'true' } })).toEqual({ 'web-canary': 1 });
    expect(trafficShares(objs, { namespace: NS, host: 'web', headers: { cookie: 'a=b; beta=1' } })).toEqual({ 'web-canary': 1 });
    expect(trafficShares(objs, { namespace: NS, host: 'web', headers: { cookie: 'beta=10' } })).toEqual({ 'web-stable': 0.9, 'web-canary': 0.1 });
    // A VirtualService for the host wins over an HTTPRoute, as in the simulator.
    expect(trafficShares({ ...objs, virtualServices: [vs([{ route: [dest('stable')] }])] }, { namespace: NS, host: 'web' })).toEqual({ 'web-stable': 1 });
  });
});
