// Kubernetes objects of an app, rendered from YAML templates (deploy-templates/app, or a
// folder of the user's own with the same file names) with ${var} substitution. The fields
// the release engine steers (replicas, image, selectors, routes) are set here, after the
// template, so a user template can change everything else. Pure once the texts are loaded.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import { parseYamlSource } from '../config/yaml-source.js';
import type { KubeObject } from '../core/cluster.js';
import { cohortMatch } from './cohorts.js';
import { HttpRouteReadModel, readModel, unusableObject, VirtualServiceReadModel, type HttpRouteMatch } from './read-models.js';
import type { ReleaseSpec, TrafficSplit } from './types.js';

export const TEMPLATE_FILES = ['deployment.yaml', 'service.yaml', 'destinationrule.yaml', 'virtualservice.yaml', 'httproute.yaml'] as const;
export type TemplateFile = (typeof TEMPLATE_FILES)[number];
export type Templates = Record<TemplateFile, { file: string; text: string }>;

export const DEFAULT_TEMPLATE_DIR = join(packageRoot(), 'deploy-templates', 'app');

export const LABEL_APP = 'app.kubernetes.io/name';
export const LABEL_TRACK = 'shardship.dev/track';

/** Load the templates: each file from `overrideDir` when it has one, else the shipped default. */
export async function loadTemplates(overrideDir?: string, cwd = process.cwd()): Promise<Templates> {
  const dir = overrideDir ? resolve(cwd, overrideDir) : undefined;
  if (dir && !existsSync(dir)) {
    throw new ConfigError([{ path: 'release.templates', message: `template folder ${overrideDir} does not exist`, hint: 'point it at a folder holding deployment.yaml, service.yaml, ...' }]);
  }
  const out = {} as Templates;
  for (const f of TEMPLATE_FILES) {
    const file = dir && existsSync(join(dir, f)) ? join(dir, f) : join(DEFAULT_TEMPLATE_DIR, f);
    out[f] = { file, text: await readFile(file, 'utf8') };
  }
  return out;
}

export function substitute(file: string, text: string, vars: Record<string, string | number>): string {
  return text
    .split('\n')
    .map((line, i) =>
      line.trimStart().startsWith('#')
        ? line
        : line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
            const v = vars[name];
            if (v === undefined) {
              throw new ConfigError([
                { path: '', position: { file, line: i + 1, column: line.indexOf('${') + 1 }, message: `unknown template variable \${${name}}`, hint: `known: ${Object.keys(vars).join(', ')}` },
              ]);
            }
            return String(v);
          }),
    )
    .join('\n');
}

function renderFile(t: Templates, f: TemplateFile, vars: Record<string, string | number>): KubeObject {
  return renderObject(t[f].file, t[f].text, vars);
}

/** One template file as a Kubernetes object (the env stage's templates use it too). */
export function renderObject(file: string, text: string, vars: Record<string, string | number>): KubeObject {
  // Substitution keeps every line where it was: a syntax error is reported at the template's own file:line.
  const obj = parseYamlSource(file, substitute(file, text, vars)).doc.toJS() as KubeObject | null;
  if (!obj || typeof obj !== 'object' || !obj.kind || !obj.metadata) {
    throw new ConfigError([{ path: '', position: { file, line: 1, column: 1 }, message: 'template does not render to a Kubernetes object', hint: 'it needs apiVersion, kind and metadata' }]);
  }
  return obj;
}

export function deploymentName(app: string, track: string): string {
  return `${app}-${track}`;
}

export function renderDeployment(
  t: Templates,
  spec: ReleaseSpec,
  track: string,
  image: string,
  replicas: number,
  podAnnotations: Record<string, string>,
): KubeObject {
  const name = deploymentName(spec.app, track);
  const obj = renderFile(t, 'deployment.yaml', { name, app: spec.app, namespace: spec.namespace, track, image, replicas, port: spec.port });
  const labels = { [LABEL_APP]: spec.app, [LABEL_TRACK]: track };
  const d = obj as KubeObject & {
    spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } };
  };
  d.metadata = { ...d.metadata, name, namespace: spec.namespace, labels: { ...d.metadata.labels, ...labels } };
  d.spec.replicas = replicas;
  d.spec.selector = { matchLabels: labels };
  const tm = (d.spec.template.metadata ??= {});
  tm.labels = { ...tm.labels, ...labels };
  const annotations = { ...tm.annotations, ...spec.podAnnotations, ...podAnnotations };
  if (Object.keys(annotations).length) tm.annotations = annotations;
  const first = d.spec.template.spec.containers[0];
  if (first) first.image = image;
  return d;
}

/** A Service selecting the app, or one track of it. */
export function renderService(t: Templates, spec: ReleaseSpec, name: string, track?: string): KubeObject {
  const obj = renderFile(t, 'service.yaml', { name, app: spec.app, namespace: spec.namespace, port: spec.port }) as KubeObject & { spec: { selector?: Record<string, string> } };
  obj.metadata = { ...obj.metadata, name, namespace: spec.namespace };
  obj.spec.selector = { [LABEL_APP]: spec.app, ...(track ? { [LABEL_TRACK]: track } : {}) };
  return obj;
}

export function renderDestinationRule(t: Templates, spec: ReleaseSpec, tracks: string[]): KubeObject {
  const obj = renderFile(t, 'destinationrule.yaml', { name: spec.app, app: spec.app, namespace: spec.namespace }) as KubeObject & { spec: Record<string, unknown> };
  obj.metadata = { ...obj.metadata, name: spec.app, namespace: spec.namespace };
  obj.spec.host = spec.app;
  obj.spec.subsets = tracks.map((track) => ({ name: track, labels: { [LABEL_TRACK]: track } }));
  return obj;
}

// ---- Istio ---------------------------------------------------------------------------

export interface IstioHttpRoute {
  name?: string;
  match?: { headers: Record<string, { exact?: string; regex?: string }> }[];
  route: { destination: { host: string; subset?: string; port?: { number: number } }; weight?: number }[];
  [k: string]: unknown;
}

/** The http routes shardship controls: `<route>-cohort` (only with cohorts) then `<route>` with the weights. */
export function istioRoutes(spec: ReleaseSpec, split: TrafficSplit, routeName: string): IstioHttpRoute[] {
  const routes: IstioHttpRoute[] = [];
  if (split.cohorts.length && split.cohortTrack) {
    routes.push({
      name: `${routeName}-cohort`,
      match: split.cohorts.map((c) => {
        const m = cohortMatch(c);
        return { headers: { [m.name]: m.exact !== undefined ? { exact: m.exact } : { regex: m.regex! } } };
      }),
      route: [{ destination: { host: spec.app, subset: split.cohortTrack }, weight: 100 }],
    });
  }
  routes.push({
    name: routeName,
    route: Object.entries(split.weights).map(([track, weight]) => ({ destination: { host: spec.app, subset: track }, weight })),
  });
  return routes;
}

export function renderVirtualService(t: Templates, spec: ReleaseSpec, split: TrafficSplit): KubeObject {
  if (spec.routerConfig.kind !== 'istio') throw new Error('not an istio router');
  const rc = spec.routerConfig;
  const obj = renderFile(t, 'virtualservice.yaml', { name: rc.virtualService, app: spec.app, namespace: spec.namespace }) as KubeObject & { spec: Record<string, unknown> };
  obj.metadata = { ...obj.metadata, name: rc.virtualService, namespace: spec.namespace };
  obj.spec.hosts = rc.hosts;
  if (rc.gateways) obj.spec.gateways = rc.gateways;
  obj.spec.http = istioRoutes(spec, split, rc.route);
  return obj;
}

/** Read the split back from a VirtualService's routes (owned or user-owned). */
export function parseVirtualService(vs: KubeObject, routeName: string): TrafficSplit | undefined {
  const http = readModel(VirtualServiceReadModel, vs).spec?.http ?? [];
  const found = http.find((r) => r.name === routeName);
  if (!found) return undefined;
  if (!found.route) throw unusableObject(vs, `has an http route named "${routeName}" without destinations (no route: a redirect or direct response cannot be steered)`);
  const main = { ...found, route: found.route };
  const weights: Record<string, number> = {};
  const total = main.route.reduce((n, d) => n + (d.weight ?? (main.route.length === 1 ? 100 : 0)), 0) || 100;
  for (const d of main.route) {
    const track = d.destination.subset ?? 'default';
    weights[track] = Math.round(((d.weight ?? (main.route.length === 1 ? 100 : 0)) * 10000) / total) / 100;
  }
  const cohort = http.find((r) => r.name === `${routeName}-cohort`);
  const cohortTrack = cohort?.route?.[0]?.destination.subset;
  return { weights, cohorts: cohort ? (cohort.match ?? []).map(() => ({ header: { name: '?', value: '?' } })) : [], ...(cohortTrack ? { cohortTrack } : {}) };
}

/**
 * The JSON patch that rewrites only shardship's routes of a user-owned VirtualService,
 * guarded by `test` ops so a concurrent edit of the route list fails (409/422) instead of
 * clobbering someone else's route. One request.
 */
export function virtualServiceRoutePatch(vs: KubeObject, spec: ReleaseSpec, split: TrafficSplit, routeName: string): { op: string; path: string; value?: unknown }[] {
  const http = readModel(VirtualServiceReadModel, vs).spec?.http ?? [];
  const mainIdx = http.findIndex((r) => r.name === routeName);
  if (mainIdx < 0) {
    throw new ConfigError([
      {
        path: 'router.istio.route',
        message: `VirtualService ${vs.metadata.name} has no http route named "${routeName}"`,
        hint: `name the route shardship may steer "${routeName}", or set router.istio.route`,
      },
    ]);
  }
  const cohortIdx = http.findIndex((r) => r.name === `${routeName}-cohort`);
  const [cohortRoute, mainRoute] = (() => {
    const rs = istioRoutes(spec, split, routeName);
    return rs.length === 2 ? [rs[0], rs[1]!] : [undefined, rs[0]!];
  })();
  const ops: { op: string; path: string; value?: unknown }[] = [{ op: 'test', path: `/spec/http/${mainIdx}/name`, value: routeName }];
  // Keep the user's other fields on the main route (retries, timeouts...), replace only its destinations.
  const merged = { ...http[mainIdx], route: mainRoute.route };
  if (cohortIdx >= 0 && cohortRoute) {
    ops.push({ op: 'test', path: `/spec/http/${cohortIdx}/name`, value: `${routeName}-cohort` });
    ops.push({ op: 'replace', path: `/spec/http/${cohortIdx}`, value: cohortRoute });
    ops.push({ op: 'replace', path: `/spec/http/${mainIdx}`, value: merged });
  } else if (cohortIdx >= 0) {
    ops.push({ op: 'test', path: `/spec/http/${cohortIdx}/name`, value: `${routeName}-cohort` });
    ops.push({ op: 'replace', path: `/spec/http/${mainIdx}`, value: merged });
    ops.push({ op: 'remove', path: `/spec/http/${cohortIdx}` });
  } else if (cohortRoute) {
    ops.push({ op: 'replace', path: `/spec/http/${mainIdx}`, value: merged });
    // The cohort route must come before the weighted one: Istio takes the first match.
    ops.push({ op: 'add', path: `/spec/http/${mainIdx}`, value: cohortRoute });
  } else {
    ops.push({ op: 'replace', path: `/spec/http/${mainIdx}`, value: merged });
  }
  return ops;
}

// ---- Gateway API ---------------------------------------------------------------------

export function httpRouteRules(spec: ReleaseSpec, split: TrafficSplit): Record<string, unknown>[] {
  const port = 80;
  const rules: Record<string, unknown>[] = [];
  if (split.cohorts.length && split.cohortTrack) {
    rules.push({
      matches: split.cohorts.map((c) => {
        const m = cohortMatch(c);
        return { headers: [m.exact !== undefined ? { type: 'Exact', name: m.name, value: m.exact } : { type: 'RegularExpression', name: m.name, value: m.regex! }] };
      }),
      backendRefs: [{ name: deploymentName(spec.app, split.cohortTrack), port, weight: 1 }],
    });
  }
  rules.push({
    // Written out as the API server defaults it (an empty match list becomes `PathPrefix /`),
    // so that what we write is what the cluster stores.
    matches: [{ path: { type: 'PathPrefix', value: '/' } }],
    backendRefs: Object.entries(split.weights).map(([track, weight]) => ({ name: deploymentName(spec.app, track), port, weight: Math.round(weight) })),
  });
  return rules;
}

/** A rule that matches every request: no matches, or only the default `PathPrefix /` (what the API server fills in). */
function matchesEverything(matches: HttpRouteMatch[] | undefined): boolean {
  return (
    !matches ||
    matches.length === 0 ||
    matches.some((m) => !m.headers?.length && !m.method && !m.queryParams?.length && (!m.path || ((m.path.type ?? 'PathPrefix') === 'PathPrefix' && (m.path.value ?? '/') === '/')))
  );
}

export function renderHttpRoute(t: Templates, spec: ReleaseSpec, split: TrafficSplit): KubeObject {
  if (spec.routerConfig.kind !== 'gatewayApi') throw new Error('not a gateway-api router');
  const rc = spec.routerConfig;
  const obj = renderFile(t, 'httproute.yaml', { name: rc.httpRoute, app: spec.app, namespace: spec.namespace }) as KubeObject & { spec: Record<string, unknown> };
  obj.metadata = { ...obj.metadata, name: rc.httpRoute, namespace: spec.namespace };
  // Without a Gateway, attach to the app's Service (GAMMA, east-west mesh routing).
  obj.spec.parentRefs = rc.parentRefs.length ? rc.parentRefs : [{ group: '', kind: 'Service', name: spec.app }];
  if (rc.hostnames) obj.spec.hostnames = rc.hostnames;
  obj.spec.rules = httpRouteRules(spec, split);
  return obj;
}

export function parseHttpRoute(route: KubeObject, app: string): TrafficSplit | undefined {
  const rules = readModel(HttpRouteReadModel, route).spec?.rules ?? [];
  const main = rules.find((r) => matchesEverything(r.matches));
  if (!main?.backendRefs?.length) return undefined;
  const trackOf = (name: string) => (name.startsWith(`${app}-`) ? name.slice(app.length + 1) : name);
  const total = main.backendRefs.reduce((n, b) => n + (b.weight ?? 1), 0);
  const weights: Record<string, number> = {};
  for (const b of main.backendRefs) weights[trackOf(b.name)] = total ? Math.round(((b.weight ?? 1) * 10000) / total) / 100 : 0;
  const cohort = rules.find((r) => r !== main && !matchesEverything(r.matches));
  const cohortName = cohort?.backendRefs?.[0]?.name;
  return { weights, cohorts: cohort ? (cohort.matches ?? []).map(() => ({ header: { name: '?', value: '?' } })) : [], ...(cohortName ? { cohortTrack: trackOf(cohortName) } : {}) };
}
