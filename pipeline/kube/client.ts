// The Cluster adapter: the only place that talks to the Kubernetes API. Credentials come from
// a kubeconfig (kubeconfig.ts: the common shapes read directly, the rest through
// @kubernetes/client-node's KubeConfig, which does exec auth and in-cluster config), and it
// speaks the REST paths itself, so that merge/JSON patches, resourceVersion preconditions
// and Status bodies are under our control. Vendor errors are translated here, once.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { loadCredentials, type Credentials } from './kubeconfig.js';
import { ServiceError, TimedOutError } from '../core/errors.js';
import { ConflictError, ForbiddenError, NotFoundError, ResourceTypeMissingError, type Cluster, type ClusterStats, type KubeObject, type ObjectRef } from '../core/cluster.js';

interface Resource {
  plural: string;
  /** API group ('' for core). */
  group: string;
  /** Not in a namespace (Namespace itself): the path has no /namespaces/<ns>. */
  clusterScoped?: boolean;
}

// The kinds the release engine and the environments stage read and write.
const RESOURCES: Record<string, Resource> = {
  'v1/Namespace': { plural: 'namespaces', group: '', clusterScoped: true },
  'v1/ResourceQuota': { plural: 'resourcequotas', group: '' },
  'v1/Secret': { plural: 'secrets', group: '' },
  'v1/ConfigMap': { plural: 'configmaps', group: '' },
  'v1/Service': { plural: 'services', group: '' },
  'v1/Pod': { plural: 'pods', group: '' },
  'v1/Event': { plural: 'events', group: '' },
  'v1/ServiceAccount': { plural: 'serviceaccounts', group: '' },
  'apps/v1/Deployment': { plural: 'deployments', group: 'apps' },
  'apps/v1/ReplicaSet': { plural: 'replicasets', group: 'apps' },
  'networking.istio.io/v1/VirtualService': { plural: 'virtualservices', group: 'networking.istio.io' },
  'networking.istio.io/v1/DestinationRule': { plural: 'destinationrules', group: 'networking.istio.io' },
  'gateway.networking.k8s.io/v1/HTTPRoute': { plural: 'httproutes', group: 'gateway.networking.k8s.io' },
};

export interface KubeClusterOptions {
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, or in-cluster. */
  kubeconfigPath?: string;
  /** 5xx / network retries before giving up. */
  retries?: number;
  /** First backoff in ms; doubles each attempt. */
  backoffMs?: number;
  fieldManager?: string;
  /** Each request's limit, connect to last byte (timeouts.kubernetes, default 30s); a stalled request is not retried. */
  requestTimeoutMs?: number;
}

/** Default timeouts.kubernetes. */
export const KUBERNETES_TIMEOUT_MS = 30_000;

class StalledError extends Error {}

interface Status {
  kind?: string;
  reason?: string;
  message?: string;
  code?: number;
  details?: { name?: string; kind?: string };
}

export function connectCluster(opts: KubeClusterOptions = {}): Cluster {
  return new KubeCluster(opts);
}

class KubeCluster implements Cluster {
  readonly stats: ClusterStats = { reads: 0, writes: 0, writesByKind: {}, apiMs: 0 };
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly fieldManager: string;
  private readonly requestTimeoutMs: number;

  private credentials: Promise<Credentials> | undefined;

  constructor(private readonly opts: KubeClusterOptions) {
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 100;
    this.fieldManager = opts.fieldManager ?? 'shardship';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? KUBERNETES_TIMEOUT_MS;
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.call<T>('GET', 'get', ref.apiVersion, ref.kind, ref.namespace, ref.name);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  async list<T extends KubeObject>(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<T[]> {
    const query = labelSelector ? `labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const res = await this.call<{ items?: T[] }>('GET', 'list', apiVersion, kind, namespace, undefined, undefined, undefined, query);
    // List items carry no apiVersion/kind on the wire: put them back for callers.
    return (res.items ?? []).map((i) => ({ ...i, apiVersion, kind }));
  }

  create<T extends KubeObject>(obj: T): Promise<T> {
    return this.call<T>('POST', 'create', obj.apiVersion, obj.kind, obj.metadata.namespace ?? 'default', undefined, obj);
  }

  replace<T extends KubeObject>(obj: T): Promise<T> {
    return this.call<T>('PUT', 'update', obj.apiVersion, obj.kind, obj.metadata.namespace ?? 'default', obj.metadata.name, obj);
  }

  patch<T extends KubeObject>(ref: ObjectRef, patch: unknown, type: 'merge' | 'json'): Promise<T> {
    const contentType = type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json';
    return this.call<T>('PATCH', 'patch', ref.apiVersion, ref.kind, ref.namespace, ref.name, patch, contentType);
  }

  async delete(ref: ObjectRef): Promise<void> {
    try {
      await this.call('DELETE', 'delete', ref.apiVersion, ref.kind, ref.namespace, ref.name);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }

  private path(apiVersion: string, kind: string, namespace: string, name?: string): { path: string; resource: string } {
    const res = RESOURCES[`${apiVersion}/${kind}`];
    if (!res) throw new ServiceError('kubernetes', `shardship does not know the REST path of ${apiVersion} ${kind}`);
    const root = res.group ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const scope = res.clusterScoped ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    const path = `${root}${scope}/${res.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
    return { path, resource: res.group ? `${res.plural}.${res.group}` : res.plural };
  }

  private async call<T>(
    method: string,
    verb: string,
    apiVersion: string,
    kind: string,
    namespace: string,
    name?: string,
    body?: unknown,
    contentType = 'application/json',
    query = '',
  ): Promise<T> {
    const { path, resource } = this.path(apiVersion, kind, namespace, name);
    // Read on first use: a command that never reaches the cluster never pays for it.
    this.credentials ??= loadCredentials(this.opts.kubeconfigPath);
    const credentials = await this.credentials;
    const server = credentials.server;
    const isWrite = method !== 'GET';
    // Strict field validation: a field the API server does not know fails the write instead of being dropped.
    const qs = [query, isWrite && method !== 'DELETE' ? `fieldManager=${this.fieldManager}&fieldValidation=Strict` : ''].filter(Boolean).join('&');
    const url = new URL(`${server}${path}${qs ? `?${qs}` : ''}`);
    const what = `${kind} ${namespace}/${name ?? ''}`.replace(/\/$/, '');
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let status: number;
      let text: string;
      try {
        ({ status, text } = await this.send(credentials, url, method, body, contentType));
      } catch (e) {
        this.stats.apiMs += performance.now() - started;
        if (e instanceof StalledError) {
          throw new TimedOutError(`kubernetes: ${method} ${url.pathname} got no answer within ${this.requestTimeoutMs / 1000}s from ${server}`, {
            hint: 'the API server is not answering; the release state was left as it was: run the command again later, or raise timeouts.kubernetes',
            cause: e,
          });
        }
        if (attempt < this.retries) {
          await sleep(this.backoffMs * 2 ** attempt);
          continue;
        }
        throw new ServiceError('kubernetes', `${method} ${url.pathname} failed: ${(e as Error).message}`, {
          hint: `is the API server at ${server} reachable?`,
          cause: e,
        });
      }
      this.stats.apiMs += performance.now() - started;
      if (isWrite) {
        this.stats.writes++;
        this.stats.writesByKind[kind] = (this.stats.writesByKind[kind] ?? 0) + 1;
      } else this.stats.reads++;
      if (status < 300) return (text ? JSON.parse(text) : {}) as T;
      const st = parseStatus(text);
      if (status >= 500 && attempt < this.retries) {
        await sleep(this.backoffMs * 2 ** attempt);
        continue;
      }
      const cause = Object.assign(new Error(st.message ?? `HTTP ${status}`), { status, body: st });
      if (status === 403) throw new ForbiddenError(verb, resource, namespace, { cause });
      // A 404 that is no Status object ("404 page not found"): the API server has no such
      // resource type at all, i.e. its CRD is not installed.
      if (status === 404 && st.kind !== 'Status') throw new ResourceTypeMissingError(resource, apiVersion, { cause });
      if (status === 404) throw new NotFoundError(what, { cause });
      if (status === 409) throw new ConflictError(`${verb} ${what}: ${st.message ?? st.reason ?? 'conflict'}`, { cause });
      if (status === 401) {
        throw new ServiceError('kubernetes', `unauthorized (${st.message ?? 'HTTP 401'})`, { hint: 'the kubeconfig credentials were refused', cause });
      }
      if (status >= 500) {
        throw new ServiceError('kubernetes', `${verb} ${what}: API server error ${status} after ${this.retries + 1} attempts: ${st.message ?? ''}`.trim(), {
          hint: 'the API server is failing; the release state was left as it was: run the command again later',
          cause,
        });
      }
      throw new ServiceError('kubernetes', `${verb} ${what}: ${st.message ?? `HTTP ${status}`}`, { cause });
    }
  }

  private async send(credentials: Credentials, url: URL, method: string, body: unknown, contentType: string): Promise<{ status: number; text: string }> {
    const opts: RequestOptions = { method, headers: { Accept: 'application/json' } };
    await credentials.apply(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) opts.headers = { ...opts.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) };
    const isHttps = url.protocol === 'https:';
    // The credentials carry an https.Agent; a plain-http server (a local proxy) must not get it.
    if (!isHttps) delete opts.agent;
    return new Promise((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(url, opts, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      // One deadline for the whole exchange: a socket idle timeout alone lets a trickling server hold us forever.
      const timer = setTimeout(() => req.destroy(new StalledError('no answer in time')), this.requestTimeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

function parseStatus(text: string): Status {
  try {
    const v = JSON.parse(text) as Status;
    return typeof v === 'object' && v ? v : {};
  } catch {
    return { message: text.slice(0, 200) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
