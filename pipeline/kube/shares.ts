// Where a request to a host goes, computed from the routing objects alone (pure): an Istio
// VirtualService for the host (first matching http route, weighted destinations narrowed
// by DestinationRule subsets), else a Gateway API HTTPRoute (most specific matching rule,
// weighted backendRefs), else the Service's selector. Each Service's share is spread over
// the Deployments whose pod template its selector matches, by ready replicas, the way
// kube-proxy spreads over ready endpoints. Used to check routing on any cluster (real or
// simulated) without sending traffic; `none` collects traffic with nowhere to go.
import type { KubeObject } from '../core/cluster.js';

export interface RoutingObjects {
  virtualServices: KubeObject[];
  destinationRules: KubeObject[];
  httpRoutes: KubeObject[];
  services: KubeObject[];
  deployments: KubeObject[];
}

export interface ShareRequest {
  namespace: string;
  host: string;
  headers?: Record<string, string>;
  uri?: string;
  method?: string;
}

/** Shares per Deployment name (summing to 1, rounded to 3 decimals); `none` = no ready backend or no route. */
export type Shares = Record<string, number>;

export const NO_BACKEND = 'none';

interface Req {
  headers: Record<string, string>;
  uri: string;
  method: string;
}

type StringMatch = { exact?: string; prefix?: string; regex?: string } | undefined;

function shortHost(host: string, namespace: string): string | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return host;
  if (parts[1] !== namespace) return undefined;
  const rest = parts.slice(2).join('.');
  if (parts.length === 2 || rest === 'svc' || rest === 'svc.cluster.local') return parts[0];
  return undefined;
}

function header(req: Req, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function stringMatch(m: StringMatch, value: string | undefined): boolean {
  if (!m) return true;
  if (value === undefined) return false;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.regex !== undefined) return new RegExp(`^(?:${m.regex})$`).test(value);
  return true;
}

interface IstioMatch {
  headers?: Record<string, StringMatch>;
  withoutHeaders?: Record<string, StringMatch>;
  uri?: StringMatch;
  method?: StringMatch;
}

function istioMatches(m: IstioMatch, req: Req): boolean {
  for (const [name, sm] of Object.entries(m.headers ?? {})) if (!stringMatch(sm, header(req, name))) return false;
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    const v = header(req, name);
    if (v !== undefined && (!sm || Object.keys(sm).length === 0 || stringMatch(sm, v))) return false;
  }
  if (m.uri && !stringMatch(m.uri, req.uri)) return false;
  if (m.method && !stringMatch(m.method, req.method)) return false;
  return true;
}

interface GatewayMatch {
  headers?: { name: string; value: string; type?: string }[];
  path?: { type?: string; value?: string };
  method?: string;
}

function gatewayMatches(m: GatewayMatch, req: Req): boolean {
  for (const h of m.headers ?? []) {
    const v = header(req, h.name);
    if (v === undefined) return false;
    if (h.type === 'RegularExpression' ? !new RegExp(h.value).test(v) : v !== h.value) return false;
  }
  const type = m.path?.type ?? 'PathPrefix';
  const pv = m.path?.value ?? '/';
  if (type === 'Exact' && req.uri !== pv) return false;
  if (type === 'RegularExpression' && !new RegExp(pv).test(req.uri)) return false;
  if (type === 'PathPrefix' && !(pv === '/' || req.uri === pv || req.uri.startsWith(`${pv.replace(/\/$/, '')}/`))) return false;
  if (m.method && m.method !== req.method) return false;
  return true;
}

const specOf = <T>(o: KubeObject): T => (o.spec ?? {}) as T;
const byName = (a: KubeObject, b: KubeObject) => a.metadata.name.localeCompare(b.metadata.name);
const inNs = (objs: KubeObject[], ns: string) => objs.filter((o) => (o.metadata.namespace ?? ns) === ns);

interface DeploymentLike {
  template?: { metadata?: { labels?: Record<string, string> } };
}

export function trafficShares(objs: RoutingObjects, request: ShareRequest): Shares {
  const ns = request.namespace;
  const req: Req = { headers: request.headers ?? {}, uri: request.uri ?? '/', method: request.method ?? 'GET' };
  const out: Shares = {};
  const add = (k: string, v: number) => {
    if (v > 0) out[k] = (out[k] ?? 0) + v;
  };

  // A share of traffic sent to a Service, optionally narrowed to a subset's labels.
  const toService = (svcName: string | undefined, subset: Record<string, string> | undefined, share: number, namespace = ns) => {
    if (share <= 0) return;
    const svc = svcName ? inNs(objs.services, namespace).find((s) => s.metadata.name === svcName) : undefined;
    const selector = svc ? specOf<{ selector?: Record<string, string> }>(svc).selector : undefined;
    if (!selector || Object.keys(selector).length === 0) return add(NO_BACKEND, share);
    const want = { ...selector, ...subset };
    const backends = inNs(objs.deployments, namespace)
      .map((d) => {
        const labels = specOf<DeploymentLike>(d).template?.metadata?.labels ?? {};
        const ready = (d as { status?: { readyReplicas?: number } }).status?.readyReplicas ?? 0;
        return { name: d.metadata.name, ready: Object.entries(want).every(([k, v]) => labels[k] === v) ? ready : 0 };
      })
      .filter((b) => b.ready > 0);
    const total = backends.reduce((n, b) => n + b.ready, 0);
    if (total === 0) return add(NO_BACKEND, share);
    for (const b of backends) add(b.name, (share * b.ready) / total);
  };

  const host = shortHost(request.host, ns) ?? request.host;
  const vs = inNs(objs.virtualServices, ns)
    .filter((v) => (specOf<{ hosts?: string[] }>(v).hosts ?? []).some((h) => shortHost(h, ns) === host))
    .sort(byName)[0];
  if (vs) {
    interface Dest {
      destination?: { host?: string; subset?: string };
      weight?: number;
    }
    const http = specOf<{ http?: { match?: IstioMatch[]; route?: Dest[] }[] }>(vs).http ?? [];
    const route = http.find((r) => !r.match || r.match.length === 0 || r.match.some((m) => istioMatches(m, req)));
    const dests = route?.route ?? [];
    const unweighted = dests.every((d) => d.weight === undefined);
    const weights = dests.map((d) => (unweighted ? 1 : (d.weight ?? 0)));
    const total = weights.reduce((a, b) => a + b, 0);
    if (!route || total <= 0) add(NO_BACKEND, 1);
    else {
      dests.forEach((d, i) => {
        const share = weights[i]! / total;
        const destHost = shortHost(d.destination?.host ?? host, ns);
        let subsetLabels: Record<string, string> | undefined;
        if (d.destination?.subset) {
          const dr = inNs(objs.destinationRules, ns).find((x) => shortHost(specOf<{ host?: string }>(x).host ?? '', ns) === destHost);
          const subset = (specOf<{ subsets?: { name: string; labels?: Record<string, string> }[] }>(dr ?? ({} as KubeObject)).subsets ?? []).find((s) => s.name === d.destination?.subset);
          if (!subset) return add(NO_BACKEND, share);
          subsetLabels = subset.labels ?? {};
        }
        toService(destHost, subsetLabels, share);
      });
    }
    return rounded(out);
  }

  interface Rule {
    matches?: GatewayMatch[];
    backendRefs?: { name: string; kind?: string; weight?: number; namespace?: string }[];
  }
  const httpRoute = inNs(objs.httpRoutes, ns)
    .filter((r) => {
      const s = specOf<{ parentRefs?: { kind?: string; name: string }[]; hostnames?: string[]; rules?: Rule[] }>(r);
      return (
        (s.parentRefs ?? []).some((p) => p.kind === 'Service' && p.name === host) ||
        (s.hostnames ?? []).some((h) => shortHost(h, ns) === host) ||
        (s.rules ?? []).some((rule) => (rule.backendRefs ?? []).some((b) => b.name === host))
      );
    })
    .sort(byName)[0];
  if (httpRoute) {
    let best: Rule | undefined;
    let bestScore = -1;
    for (const r of specOf<{ rules?: Rule[] }>(httpRoute).rules ?? []) {
      for (const m of r.matches?.length ? r.matches : [{}]) {
        if (!gatewayMatches(m, req)) continue;
        // Gateway API precedence: more header matches win; ties go to the earlier rule.
        const score = (m.headers?.length ?? 0) * 10 + (m.path?.type === 'Exact' ? 5 : 0) + (m.method ? 1 : 0);
        if (score > bestScore) [best, bestScore] = [r, score];
      }
    }
    const refs = (best?.backendRefs ?? []).filter((b) => (b.kind ?? 'Service') === 'Service');
    const weights = refs.map((b) => b.weight ?? 1);
    const total = weights.reduce((a, b) => a + b, 0);
    if (total <= 0) add(NO_BACKEND, 1);
    else refs.forEach((b, i) => toService(b.name, undefined, weights[i]! / total, b.namespace ?? ns));
    return rounded(out);
  }

  toService(host, undefined, 1);
  return rounded(out);
}

function rounded(s: Shares): Shares {
  const out: Shares = {};
  for (const [k, v] of Object.entries(s)) {
    const r = Math.round(v * 1000) / 1000;
    if (r > 0) out[k] = r;
  }
  return out;
}
