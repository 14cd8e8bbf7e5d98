// The HTTP face of the simulator: the REST paths of the Kubernetes API (as used by
// @kubernetes/client-node and kubectl), discovery, watch, fault injection and request stats.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RESOURCES, findResource, groupVersion, type ResourceType } from './resources.js';
import { ApiError, badRequest, conflict, forbidden, notFound, reasonFor } from './status.js';
import { applyPatch, parsePatchBody, patchTypeOf, PatchError } from './patch.js';
import { matchesFields, matchesRequirements, parseFieldSelector, parseLabelSelector, selectorObjectToString, SelectorError, type LabelSelectorObject } from './selectors.js';
import type { Store, StoreEvent } from './store.js';
import { toTable, wantsTable } from './table.js';
import { isPlainObject, type KObject } from './types.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ApiErrorFault {
  status: number;
  count: number;
  verb?: string;
  pathIncludes?: string;
}

export interface RequestRecord {
  verb: Verb;
  path: string;
  resource: string;
  status: number;
  at: number;
}

export class Faults {
  apiErrors: ApiErrorFault[] = [];
  conflictsLeft = 0;
  conflictPath: string | undefined;
  forbidden: { verb: string; resource: string }[] = [];

  clear(): void {
    this.apiErrors = [];
    this.conflictsLeft = 0;
    this.conflictPath = undefined;
    this.forbidden = [];
  }
}

export class Stats {
  log: RequestRecord[] = [];
  discovery = 0;

  record(r: RequestRecord): void {
    this.log.push(r);
    // Bounded for long standalone runs; tests and benchmarks stay far below this.
    if (this.log.length > 1_000_000) this.log.splice(0, 500_000);
  }

  reset(): void {
    this.log = [];
    this.discovery = 0;
  }
}

interface ParsedPath {
  resource: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

const USER = 'system:serviceaccount:default:shardship';

function resourceLookup(group: string, version: string, rest: string[]): ParsedPath | undefined {
  // /namespaces/{ns}/{plural}[/{name}[/{sub}]] unless {plural} is not a resource (then it is
  // /namespaces/{name}/{sub}, e.g. /api/v1/namespaces/x/status).
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const r = findResource(group, version, rest[2]!);
    if (r?.namespaced) return { resource: r, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const r = findResource(group, version, rest[0] ?? '');
  if (!r) return undefined;
  return { resource: r, namespace: undefined, name: rest[1], subresource: rest[2] };
}

function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`couldn't parse the request body as JSON: ${(e as Error).message}`);
  }
}

function verbOf(method: string, p: ParsedPath, q: URLSearchParams): Verb | undefined {
  const watch = q.get('watch');
  const isWatch = watch === 'true' || watch === '1';
  switch (method) {
    case 'GET':
      if (p.name === undefined) return isWatch ? 'watch' : 'list';
      return 'get';
    case 'POST':
      return p.name === undefined ? 'create' : undefined;
    case 'PUT':
      return p.name === undefined ? undefined : 'update';
    case 'PATCH':
      return p.name === undefined ? undefined : 'patch';
    case 'DELETE':
      return p.name === undefined ? 'deletecollection' : 'delete';
    default:
      return undefined;
  }
}

/** Items of built-in kinds come without apiVersion/kind in lists, as from a real API server. */
function listItem(r: ResourceType, o: KObject): KObject {
  if (!r.builtin) return o;
  const copy = { ...o };
  delete copy.apiVersion;
  delete copy.kind;
  return copy;
}

function scaleOf(o: KObject): KObject {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: LabelSelectorObject };
  const status = (o.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: selectorObjectToString(spec.selector) },
  };
}

export interface ApiServerOptions {
  store: Store;
  faults: Faults;
  stats: Stats;
  metrics: () => string;
}

export class ApiServer {
  readonly server: Server;
  private readonly watchers = new Set<ServerResponse>();

  constructor(private readonly opts: ApiServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, new ApiError(500, 'InternalError', `simulator bug: ${(e as Error).message}`).toStatus());
        else res.end();
      });
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('kube-sim: no address');
    return `http://127.0.0.1:${addr.port}`;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const segs = url.pathname.split('/').filter((s) => s !== '');
    const method = (req.method ?? 'GET').toUpperCase();

    if (url.pathname === '/metrics') return send(res, 200, this.opts.metrics(), 'text/plain; version=0.0.4');
    if (['/healthz', '/readyz', '/livez'].includes(url.pathname)) return send(res, 200, 'ok', 'text/plain');
    if (url.pathname === '/version') {
      this.opts.stats.discovery++;
      return send(res, 200, {
        major: '1',
        minor: '32',
        gitVersion: 'v1.32.0-shardship-sim',
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.23.0',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
    }
    if (segs[0] === 'openapi') return this.openapi(req, res, segs);
    const discovery = this.discovery(segs, req);
    if (discovery !== undefined) {
      this.opts.stats.discovery++;
      return send(res, 200, discovery);
    }

    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 2) [group, version, rest] = ['', segs[1]!, segs.slice(2)];
    else if (segs[0] === 'apis' && segs.length >= 3) [group, version, rest] = [segs[1]!, segs[2]!, segs.slice(3)];
    else return send(res, 404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());

    const p = resourceLookup(group, version, rest);
    if (!p) return send(res, 404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
    const verb = verbOf(method, p, url.searchParams);
    const record = (status: number) =>
      this.opts.stats.record({ verb: verb ?? 'get', path: url.pathname, resource: p.subresource ? `${p.resource.plural}/${p.subresource}` : p.resource.plural, status, at: Date.now() });
    if (!verb) {
      record(405);
      return send(res, 405, new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`).toStatus());
    }
    try {
      this.injectFaults(verb, p, url.pathname);
      if (verb === 'watch') {
        record(200);
        return this.watch(req, res, p, url.searchParams);
      }
      const body = method === 'GET' ? '' : await readBody(req);
      if ((req.headers['content-type'] ?? '').includes('protobuf')) {
        // kubectl's typed generators (`kubectl create namespace X`) send protobuf; the
        // simulator speaks JSON only (`kubectl create -f` / `apply -f` send JSON).
        throw new ApiError(415, 'UnsupportedMediaType', 'the kube simulator accepts JSON bodies only; use `kubectl apply -f` or `kubectl create -f`');
      }
      const [code, out] = this.dispatch(verb, p, url.searchParams, body, req.headers['content-type']);
      record(code);
      if ((verb === 'get' || verb === 'list') && p.subresource === undefined && wantsTable(req.headers.accept)) {
        const list = out as { items?: KObject[]; metadata: { resourceVersion?: string } };
        const objects = verb === 'list' ? (list.items ?? []) : [out as KObject];
        return send(res, code, toTable(p.resource, objects, list.metadata.resourceVersion ?? ''));
      }
      return send(res, code, out);
    } catch (e) {
      const err = toApiError(e);
      record(err.code);
      return send(res, err.code, err.toStatus());
    }
  }

  private injectFaults(verb: Verb, p: ParsedPath, path: string): void {
    const f = this.opts.faults;
    const resNames = [p.resource.plural, `${p.resource.plural}.${p.resource.group}`, p.subresource ? `${p.resource.plural}/${p.subresource}` : ''];
    const denied = f.forbidden.find((x) => (x.verb === '*' || x.verb === verb) && (x.resource === '*' || resNames.includes(x.resource)));
    if (denied) throw forbidden(p.resource, verb, p.name, p.namespace, USER);
    const fault = f.apiErrors.find((x) => x.count > 0 && (!x.verb || x.verb === verb) && (!x.pathIncludes || path.includes(x.pathIncludes)));
    if (fault) {
      fault.count--;
      const reason = reasonFor(fault.status);
      throw new ApiError(fault.status, reason, `injected fault: ${reason} (${fault.status}) for ${verb} ${path}`, {
        ...(p.name ? { name: p.name } : {}),
        group: p.resource.group,
        kind: p.resource.plural,
        ...(fault.status === 429 || fault.status >= 500 ? { retryAfterSeconds: 0 } : {}),
      });
    }
    if (f.conflictsLeft > 0 && (verb === 'update' || verb === 'patch') && (!f.conflictPath || path.includes(f.conflictPath))) {
      f.conflictsLeft--;
      throw conflict(p.resource, p.name ?? '');
    }
  }

  private dispatch(verb: Verb, p: ParsedPath, q: URLSearchParams, body: string, contentType: string | undefined): [number, unknown] {
    const { store } = this.opts;
    const r = p.resource;
    const ns = r.namespaced ? p.namespace : undefined;
    if (r.namespaced && !p.namespace && verb !== 'list') {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const sub = p.subresource;
    if (sub !== undefined && !((sub === 'status' && r.status) || (sub === 'scale' && r.scale))) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const dryRun = q.get('dryRun') === 'All';
    if (q.get('dryRun') && !dryRun) throw badRequest(`Invalid dryRun value: ${q.get('dryRun') ?? ''}; supported: All`);
    const dr = dryRun ? { dryRun: true } : {};
    switch (verb) {
      case 'get': {
        const o = store.mustGet(r, ns, p.name!);
        return [200, sub === 'scale' ? scaleOf(o) : o];
      }
      case 'list':
        return [200, this.list(r, p.namespace, q)];
      case 'create': {
        const obj = parseJson(body);
        if (!isPlainObject(obj)) throw badRequest('the request body must be an object');
        return [201, store.create(r, ns, obj as KObject, dr)];
      }
      case 'update': {
        const obj = parseJson(body);
        if (!isPlainObject(obj)) throw badRequest('the request body must be an object');
        if (sub === 'scale') return [200, this.writeScale(r, ns, p.name!, obj as KObject, dryRun)];
        return [200, store.update(r, ns, p.name!, obj as KObject, sub === 'status' ? { subresource: 'status', ...dr } : dr)];
      }
      case 'patch': {
        const type = patchTypeOf(contentType);
        if (!type) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
        const patch = parsePatchBody(type, body);
        const existing = store.get(r, ns, p.name!);
        if (!existing) {
          if (type === 'apply' && sub === undefined && isPlainObject(patch)) {
            const obj = patch as KObject;
            return [201, store.create(r, ns, { ...obj, metadata: { ...(isPlainObject(obj.metadata) ? obj.metadata : {}), name: p.name } }, dr)];
          }
          throw notFound(r, p.name!);
        }
        if (sub === 'scale') {
          const next = applyPatch(type, scaleOf(existing), patch) as KObject;
          return [200, this.writeScale(r, ns, p.name!, next, dryRun)];
        }
        const next = applyPatch(type, existing, patch);
        if (!isPlainObject(next)) throw new ApiError(422, 'Invalid', 'the patch made the object something other than an object');
        return [200, store.update(r, ns, p.name!, next as KObject, sub === 'status' ? { subresource: 'status', ...dr } : dr)];
      }
      case 'delete': {
        const opts = body.trim() === '' ? {} : (parseJson(body) as { propagationPolicy?: string; orphanDependents?: boolean; preconditions?: { resourceVersion?: string; uid?: string } });
        const propagation = q.get('propagationPolicy') ?? opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
        const gone = store.delete(r, ns, p.name!, {
          ...(propagation ? { propagation } : {}),
          ...(opts.preconditions?.resourceVersion ? { preconditionRv: opts.preconditions.resourceVersion } : {}),
          ...(opts.preconditions?.uid ? { preconditionUid: opts.preconditions.uid } : {}),
          ...dr,
        });
        return [200, gone];
      }
      case 'deletecollection': {
        const items = this.filtered(r, ns, q);
        for (const o of items) store.delete(r, o.metadata.namespace, o.metadata.name!, dr);
        return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }];
      }
      case 'watch':
        throw new Error('unreachable');
    }
  }

  private writeScale(r: ResourceType, ns: string | undefined, name: string, scale: KObject, dryRun = false): KObject {
    const { store } = this.opts;
    const o = store.mustGet(r, ns, name);
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== o.metadata.resourceVersion) throw conflict(r, name);
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0`, { name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value' }] });
    }
    (o.spec ??= {}).replicas = replicas;
    return scaleOf(store.update(r, ns, name, o, { dryRun }));
  }

  private filtered(r: ResourceType, namespace: string | undefined, q: URLSearchParams): KObject[] {
    try {
      const labels = parseLabelSelector(q.get('labelSelector'));
      const fields = parseFieldSelector(q.get('fieldSelector'));
      return this.opts.store.list(r, namespace).filter((o) => matchesRequirements(o.metadata.labels, labels) && matchesFields(o, fields));
    } catch (e) {
      if (e instanceof SelectorError) throw badRequest(e.message);
      throw e;
    }
  }

  private list(r: ResourceType, namespace: string | undefined, q: URLSearchParams): KObject {
    const items = this.filtered(r, namespace, q);
    return {
      kind: `${r.kind}List`,
      apiVersion: groupVersion(r),
      metadata: { resourceVersion: String(this.opts.store.currentRv()) },
      items: items.map((o) => listItem(r, o)),
    };
  }

  private watch(req: IncomingMessage, res: ServerResponse, p: ParsedPath, q: URLSearchParams): void {
    const { store } = this.opts;
    let labels: ReturnType<typeof parseLabelSelector>;
    let fields: ReturnType<typeof parseFieldSelector>;
    try {
      labels = parseLabelSelector(q.get('labelSelector'));
      fields = parseFieldSelector(q.get('fieldSelector'));
    } catch (e) {
      const err = toApiError(e);
      return send(res, err.code, err.toStatus());
    }
    const r = p.resource;
    const ns = r.namespaced ? p.namespace : undefined;
    const matchesObj = (o: KObject) =>
      (ns === undefined || o.metadata.namespace === ns) &&
      (p.name === undefined || o.metadata.name === p.name) &&
      matchesRequirements(o.metadata.labels, labels) &&
      matchesFields(o, fields);
    // As on a real server: an object that starts matching a filtered watch arrives as ADDED,
    // one that stops matching leaves as DELETED.
    const deliver = (ev: StoreEvent) => {
      if (ev.resource !== r) return;
      const now = matchesObj(ev.object);
      if (ev.type !== 'MODIFIED' || !ev.old) {
        if (now) write(ev.type, ev.object);
        return;
      }
      const before = matchesObj(ev.old);
      if (now) write(before ? 'MODIFIED' : 'ADDED', ev.object);
      else if (before) write('DELETED', ev.object);
    };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // Send the headers now: clients block on them before they start reading events.
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const rvParam = q.get('resourceVersion');
    if (rvParam && rvParam !== '0') {
      const since = Number(rvParam);
      if (since < store.oldestRv() - 1) {
        write('ERROR', new ApiError(410, 'Expired', `too old resource version: ${since} (${store.oldestRv()})`).toStatus());
        res.end();
        return;
      }
      for (const ev of store.eventsSince(since)) deliver(ev);
    } else {
      // No resourceVersion: start with synthetic ADDED events for what exists, like the real server.
      for (const o of this.filtered(r, ns, q)) write('ADDED', o);
    }
    const unsubscribe = store.subscribe(deliver);
    this.watchers.add(res);
    const timeoutS = Number(q.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(() => res.end(), Math.max(1, timeoutS) * 1000);
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      this.watchers.delete(res);
    };
    res.on('close', done);
    req.on('close', done);
  }

  private discovery(segs: string[], req: IncomingMessage): unknown {
    if (req.method !== 'GET') return undefined;
    const groups = [...new Set(RESOURCES.filter((r) => r.group !== '').map((r) => r.group))];
    const groupDoc = (g: string) => {
      const versions = [...new Set(RESOURCES.filter((r) => r.group === g).map((r) => r.version))].map((v) => ({ groupVersion: `${g}/${v}`, version: v }));
      return { name: g, versions, preferredVersion: versions[0] };
    };
    if (segs.length === 1 && segs[0] === 'api') {
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }] };
    }
    if (segs.length === 1 && segs[0] === 'apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupDoc) };
    if (segs.length === 2 && segs[0] === 'apis' && groups.includes(segs[1]!)) return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(segs[1]!) };
    const isCore = segs.length === 2 && segs[0] === 'api';
    const isGroup = segs.length === 3 && segs[0] === 'apis';
    if (!isCore && !isGroup) return undefined;
    const group = isCore ? '' : segs[1]!;
    const version = isCore ? segs[1]! : segs[2]!;
    const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
    if (rs.length === 0) return undefined;
    const resources: unknown[] = [];
    for (const r of rs) {
      resources.push({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
        ...(r.group === 'apps' ? { categories: ['all'] } : {}),
        ...(r.kind === 'Pod' || r.kind === 'Service' ? { categories: ['all'] } : {}),
        storageVersionHash: Buffer.from(`${r.group}/${r.plural}`).toString('base64').slice(0, 11),
      });
      if (r.status) resources.push({ name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
      if (r.scale) resources.push({ name: `${r.plural}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: isCore ? version : `${group}/${version}`, resources };
  }

  private openapi(req: IncomingMessage, res: ServerResponse, segs: string[]): void {
    this.opts.stats.discovery++;
    // kubectl reads /openapi/v2 as protobuf for client-side validation and patch metadata. An
    // empty document is a valid (empty) protobuf message: kubectl then skips client-side
    // schema validation (the simulator validates server-side) and uses its compiled-in types
    // for strategic merge patches. /openapi/v3 is absent, as on old servers.
    if (segs[1] === 'v2') {
      const accept = req.headers.accept ?? '';
      if (accept.includes('protobuf')) return send(res, 200, '', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
      return send(res, 200, { swagger: '2.0', info: { title: 'Kubernetes (shardship kube-sim)', version: 'v1.32.0' }, paths: {}, definitions: {} });
    }
    return send(res, 404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
  }
}

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof PatchError) return new ApiError(e.status, reasonFor(e.status), e.message);
  if (e instanceof SelectorError) return badRequest(e.message);
  return new ApiError(500, 'InternalError', `simulator bug: ${(e as Error).message}`);
}
