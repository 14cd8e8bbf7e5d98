// Simulated client traffic. For each configured host (a Service name clients call), requests
// are spread over the CURRENT routing: an Istio VirtualService for that host (http routes in
// order, header/uri matches, weighted destinations, DestinationRule subsets), else a Gateway
// API HTTPRoute (most specific matching rule, weighted backendRefs), else the Service's
// selector. Only Ready pods serve; a route with no ready backend answers 503. Counts are
// accumulated deterministically (expected value, fractions carried), so a 90/10 split is
// exactly 90/10, and exported in the Prometheus text format.
import { RESOURCES, type ResourceType } from './resources.js';
import type { Store } from './store.js';
import { ANNOTATION, isPodReady } from './controller.js';
import type { KObject } from './types.js';

const rt = (kind: string): ResourceType => RESOURCES.find((r) => r.kind === kind)!;
const POD = rt('Pod');
const RS = rt('ReplicaSet');
const SERVICE = rt('Service');
const VS = rt('VirtualService');
const DR = rt('DestinationRule');
const HTTPROUTE = rt('HTTPRoute');

export interface HeaderCohort {
  headers: Record<string, string>;
  share: number;
}

export interface TrafficConfig {
  namespace?: string;
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

interface Request {
  headers: Record<string, string>;
  uri: string;
  method: string;
}

const NONE = 'none';
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function shortHost(host: string, namespace: string): string | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return host;
  if (parts[1] !== namespace) return undefined;
  if (parts.length === 2 || parts.slice(2).join('.') === 'svc' || parts.slice(2).join('.') === 'svc.cluster.local') return parts[0];
  return undefined;
}

function stringMatch(m: Record<string, string> | undefined, value: string | undefined): boolean {
  if (!m) return true;
  if (value === undefined) return false;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.regex !== undefined) return new RegExp(`^(?:${m.regex})$`).test(value);
  return true;
}

function header(req: Request, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

interface IstioMatch {
  headers?: Record<string, Record<string, string>>;
  withoutHeaders?: Record<string, Record<string, string>>;
  uri?: Record<string, string>;
  method?: Record<string, string>;
}

function istioMatches(m: IstioMatch, req: Request): boolean {
  for (const [name, sm] of Object.entries(m.headers ?? {})) if (!stringMatch(sm, header(req, name))) return false;
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    const v = header(req, name);
    if (v !== undefined && (Object.keys(sm).length === 0 || stringMatch(sm, v))) return false;
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

function gatewayMatches(m: GatewayMatch, req: Request): boolean {
  for (const h of m.headers ?? []) {
    const v = header(req, h.name);
    if (v === undefined) return false;
    if (h.type === 'RegularExpression' ? !new RegExp(h.value).test(v) : v !== h.value) return false;
  }
  const path = m.path ?? { type: 'PathPrefix', value: '/' };
  const pv = path.value ?? '/';
  if (path.type === 'Exact' && req.uri !== pv) return false;
  if (path.type === 'RegularExpression' && !new RegExp(pv).test(req.uri)) return false;
  if ((path.type ?? 'PathPrefix') === 'PathPrefix' && !(pv === '/' || req.uri === pv || req.uri.startsWith(`${pv.replace(/\/$/, '')}/`))) return false;
  if (m.method && m.method !== req.method) return false;
  return true;
}

export class Routing {
  private deploymentOfRs = new Map<string, string>();
  private readyPods = new Map<string, KObject[]>();

  constructor(private readonly store: Store) {}

  /** Refresh the ReplicaSet -> Deployment index (pods name their RS; the RS names its Deployment). */
  refresh(): void {
    this.readyPods = new Map();
    for (const p of this.store.peek(POD)) {
      if (!isPodReady(p)) continue;
      const ns = p.metadata.namespace!;
      const list = this.readyPods.get(ns);
      if (list) list.push(p);
      else this.readyPods.set(ns, [p]);
    }
    this.deploymentOfRs = new Map();
    for (const rs of this.store.peek(RS)) {
      const owner = (rs.metadata.ownerReferences ?? []).find((o) => o.kind === 'Deployment');
      if (owner) this.deploymentOfRs.set(rs.metadata.uid!, owner.name);
    }
  }

  deploymentOf(pod: KObject): string {
    const rsRef = (pod.metadata.ownerReferences ?? []).find((o) => o.kind === 'ReplicaSet');
    return (rsRef && this.deploymentOfRs.get(rsRef.uid)) ?? NONE;
  }

  private service(namespace: string, name: string): KObject | undefined {
    return this.store.peek(SERVICE, namespace).find((s) => s.metadata.name === name);
  }

  /** Outcomes of sending `share` of the traffic to a Service (optionally narrowed by subset labels). */
  private toService(namespace: string, svcName: string | undefined, subset: Record<string, string> | undefined, share: number): Outcome[] {
    if (share <= 0) return [];
    const svc = svcName ? this.service(namespace, svcName) : undefined;
    const selector = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
    const want = { ...(selector ?? {}), ...(subset ?? {}) };
    const pods =
      svc && selector && Object.keys(selector).length > 0
        ? (this.readyPods.get(namespace) ?? []).filter((p) => Object.entries(want).every(([k, v]) => p.metadata.labels?.[k] === v))
        : [];
    if (pods.length === 0) return [{ deployment: NONE, code: '503', share, latencyMs: 1 }];
    const out: Outcome[] = [];
    for (const p of pods) {
      const ann = p.metadata.annotations ?? {};
      const errorRate = Math.min(1, Math.max(0, Number(ann[ANNOTATION.errorRate] ?? '0') || 0));
      const latencyMs = Number(ann[ANNOTATION.latencyMs] ?? '20') || 20;
      const deployment = this.deploymentOf(p);
      const each = share / pods.length;
      if (errorRate < 1) out.push({ deployment, code: '200', share: each * (1 - errorRate), latencyMs });
      if (errorRate > 0) out.push({ deployment, code: '500', share: each * errorRate, latencyMs });
    }
    return out;
  }

  private viaVirtualService(namespace: string, host: string, vs: KObject, req: Request): Outcome[] {
    interface Dest {
      destination?: { host?: string; subset?: string };
      weight?: number;
    }
    const http = ((vs.spec ?? {}) as { http?: { match?: IstioMatch[]; route?: Dest[] }[] }).http ?? [];
    const route = http.find((r) => !r.match || r.match.length === 0 || r.match.some((m) => istioMatches(m, req)));
    if (!route) return [{ deployment: NONE, code: '404', share: 1, latencyMs: 1 }];
    const dests = route.route ?? [];
    const allUnweighted = dests.every((d) => d.weight === undefined);
    const weights = dests.map((d) => (allUnweighted ? 1 : (d.weight ?? 0)));
    const total = weights.reduce((a, b) => a + b, 0);
    if (dests.length === 0 || total <= 0) return [{ deployment: NONE, code: '503', share: 1, latencyMs: 1 }];
    const out: Outcome[] = [];
    dests.forEach((d, i) => {
      const share = weights[i]! / total;
      const destHost = shortHost(d.destination?.host ?? host, namespace);
      let subsetLabels: Record<string, string> | undefined;
      if (d.destination?.subset) {
        const dr = this.store
          .peek(DR, namespace)
          .find((x) => shortHost(((x.spec ?? {}) as { host?: string }).host ?? '', namespace) === destHost);
        const subsets = ((dr?.spec ?? {}) as { subsets?: { name: string; labels?: Record<string, string> }[] }).subsets ?? [];
        const subset = subsets.find((s) => s.name === d.destination?.subset);
        if (!subset) {
          if (share > 0) out.push({ deployment: NONE, code: '503', share, latencyMs: 1 });
          return;
        }
        subsetLabels = subset.labels ?? {};
      }
      out.push(...this.toService(namespace, destHost, subsetLabels, share));
    });
    return out;
  }

  private viaHttpRoute(namespace: string, route: KObject, req: Request): Outcome[] {
    interface Rule {
      matches?: GatewayMatch[];
      backendRefs?: { name: string; kind?: string; weight?: number; namespace?: string }[];
    }
    const rules = ((route.spec ?? {}) as { rules?: Rule[] }).rules ?? [];
    let best: Rule | undefined;
    let bestScore = -1;
    for (const r of rules) {
      const matches = r.matches && r.matches.length > 0 ? r.matches : [{}];
      for (const m of matches) {
        if (!gatewayMatches(m, req)) continue;
        // Gateway API precedence: more header matches win; ties go to the earlier rule.
        const score = (m.headers?.length ?? 0) * 10 + (m.path?.type === 'Exact' ? 5 : 0) + (m.method ? 1 : 0);
        if (score > bestScore) {
          best = r;
          bestScore = score;
        }
      }
    }
    if (!best) return [{ deployment: NONE, code: '404', share: 1, latencyMs: 1 }];
    const refs = (best.backendRefs ?? []).filter((b) => (b.kind ?? 'Service') === 'Service');
    const weights = refs.map((b) => b.weight ?? 1);
    const total = weights.reduce((a, b) => a + b, 0);
    if (refs.length === 0 || total <= 0) return [{ deployment: NONE, code: '500', share: 1, latencyMs: 1 }];
    return refs.flatMap((b, i) => this.toService(b.namespace ?? namespace, b.name, undefined, weights[i]! / total));
  }

  /** Where a request with these headers to `host` goes right now. Shares sum to 1. */
  resolve(namespace: string, host: string, headers: Record<string, string> = {}): Outcome[] {
    const req: Request = { headers, uri: '/', method: 'GET' };
    const short = shortHost(host, namespace) ?? host;
    const vs = this.store
      .peek(VS, namespace)
      .filter((v) => (((v.spec ?? {}) as { hosts?: string[] }).hosts ?? []).some((h) => shortHost(h, namespace) === short))
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
    if (vs) return this.viaVirtualService(namespace, short, vs, req);
    const route = this.store
      .peek(HTTPROUTE, namespace)
      .filter((r) => {
        const spec = (r.spec ?? {}) as { parentRefs?: { kind?: string; name: string }[]; hostnames?: string[]; rules?: { backendRefs?: { name: string }[] }[] };
        return (
          (spec.parentRefs ?? []).some((p) => p.kind === 'Service' && p.name === short) ||
          (spec.hostnames ?? []).some((h) => shortHost(h, namespace) === short) ||
          (spec.rules ?? []).some((rule) => (rule.backendRefs ?? []).some((b) => b.name === short))
        );
      })
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
    if (route) return this.viaHttpRoute(namespace, route, req);
    return this.toService(namespace, short, undefined, 1);
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

interface Series {
  namespace: string;
  host: string;
  deployment: string;
  code: string;
  count: number;
  carry: number;
  sum: number;
  buckets: number[];
}

export class Traffic {
  private readonly configs = new Map<string, Required<TrafficConfig>>();
  private readonly series = new Map<string, Series>();
  private readonly routing: Routing;
  private timer: NodeJS.Timeout | undefined;
  private last = Date.now();

  constructor(
    private readonly store: Store,
    /** When set, every Service without its own setTraffic() gets this many requests per second. */
    private readonly defaultRps: number | undefined,
  ) {
    this.routing = new Routing(store);
  }

  set(cfg: TrafficConfig): void {
    const namespace = cfg.namespace ?? 'default';
    this.configs.set(`${namespace}/${cfg.host}`, { namespace, host: cfg.host, rps: cfg.rps, headerMix: cfg.headerMix ?? [] });
  }

  resolve(namespace: string, host: string, headers: Record<string, string> = {}): Outcome[] {
    this.routing.refresh();
    return this.routing.resolve(namespace, host, headers);
  }

  start(intervalMs = 100): void {
    this.last = Date.now();
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (e) {
        process.stderr.write(`kube-sim traffic: ${(e as Error).stack ?? String(e)}\n`);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private activeConfigs(): Required<TrafficConfig>[] {
    const out = new Map(this.configs);
    if (this.defaultRps && this.defaultRps > 0) {
      for (const svc of this.store.peek(SERVICE)) {
        const k = `${svc.metadata.namespace!}/${svc.metadata.name!}`;
        if (!out.has(k)) out.set(k, { namespace: svc.metadata.namespace!, host: svc.metadata.name!, rps: this.defaultRps, headerMix: [] });
      }
    }
    return [...out.values()].filter((c) => c.rps > 0);
  }

  tick(): void {
    const t = Date.now();
    const dt = (t - this.last) / 1000;
    this.last = t;
    if (dt <= 0) return;
    this.routing.refresh();
    for (const cfg of this.activeConfigs()) {
      const requests = cfg.rps * dt;
      const mixed = cfg.headerMix.reduce((a, c) => a + c.share, 0);
      const cohorts: HeaderCohort[] = [...cfg.headerMix, { headers: {}, share: Math.max(0, 1 - mixed) }];
      for (const cohort of cohorts) {
        if (cohort.share <= 0) continue;
        for (const o of this.routing.resolve(cfg.namespace, cfg.host, cohort.headers)) {
          this.add(cfg.namespace, cfg.host, o, requests * cohort.share * o.share);
        }
      }
    }
  }

  private add(namespace: string, host: string, o: Outcome, expected: number): void {
    const k = `${namespace}\u0000${host}\u0000${o.deployment}\u0000${o.code}`;
    let s = this.series.get(k);
    if (!s) {
      s = { namespace, host, deployment: o.deployment, code: o.code, count: 0, carry: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      this.series.set(k, s);
    }
    s.carry += expected;
    const n = Math.floor(s.carry);
    if (n <= 0) return;
    s.carry -= n;
    s.count += n;
    const seconds = o.latencyMs / 1000;
    s.sum += n * seconds;
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) s.buckets[i]! += n;
    });
  }

  counters(): { namespace: string; host: string; deployment: string; code: string; value: number }[] {
    return [...this.series.values()].map((s) => ({ namespace: s.namespace, host: s.host, deployment: s.deployment, code: s.code, value: s.count }));
  }

  render(): string {
    const lines: string[] = [
      '# HELP shardship_sim_requests_total Simulated requests, by the Deployment that served them and the HTTP status code.',
      '# TYPE shardship_sim_requests_total counter',
    ];
    const all = [...this.series.values()];
    for (const s of all) {
      lines.push(`shardship_sim_requests_total{namespace="${esc(s.namespace)}",host="${esc(s.host)}",deployment="${esc(s.deployment)}",code="${s.code}"} ${s.count}`);
    }
    lines.push('# HELP shardship_sim_request_duration_seconds Simulated request latency.', '# TYPE shardship_sim_request_duration_seconds histogram');
    for (const s of all) {
      const l = `namespace="${esc(s.namespace)}",host="${esc(s.host)}",deployment="${esc(s.deployment)}",code="${s.code}"`;
      BUCKETS.forEach((le, i) => lines.push(`shardship_sim_request_duration_seconds_bucket{${l},le="${le}"} ${s.buckets[i]!}`));
      lines.push(`shardship_sim_request_duration_seconds_bucket{${l},le="+Inf"} ${s.count}`);
      lines.push(`shardship_sim_request_duration_seconds_sum{${l}} ${s.sum}`);
      lines.push(`shardship_sim_request_duration_seconds_count{${l}} ${s.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
