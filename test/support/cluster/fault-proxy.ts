// A small fault-injecting HTTPS proxy in front of the test bed's API server: tests point a
// client at it to get real-shaped API 5xx answers on chosen requests, and to count what a
// client sent (verbs, paths, writes) as the server saw it. Everything else passes through
// unchanged, watches included. It serves the API server's own certificate (same CA) and
// forwards with the caller's bearer token, or with the admin certificate when there is none.
import { readFileSync } from 'node:fs';
import { request as httpsRequest, createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { freePort } from '../service.js';
import { writeKubeconfig, type ControlPlane } from './control-plane.js';

export interface ApiErrorRule {
  status: number;
  /** How many matching requests fail; then the rule is spent. */
  count: number;
  verb?: string;
  pathIncludes?: string;
}

export interface ProxiedRequest {
  verb: string;
  path: string;
  status: number;
  at: number;
}

export interface FaultProxy {
  url: string;
  /** Admin kubeconfig through the proxy. */
  kubeconfigPath: string;
  /** A kubeconfig through the proxy with this bearer token (e.g. a ServiceAccount's). */
  kubeconfigWithToken(token: string, path: string): string;
  apiError(rule: ApiErrorRule): void;
  clear(): void;
  requests(): ProxiedRequest[];
  /** Call `listener` for every request answered from now on (after the answer's status is known). */
  onRequest(listener: (r: ProxiedRequest) => void): () => void;
  /** Requests served, optionally of one verb (watch and discovery excluded). */
  requestCount(verb?: string): number;
  reset(): void;
  stop(): Promise<void>;
}

/** The Kubernetes verb of an API request, as RBAC names it. */
export function verbOf(method: string, path: string): string {
  const u = new URL(path, 'https://x');
  if (method === 'GET') {
    if (u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1') return 'watch';
    // /api/v1/namespaces/NS/pods is a collection (odd segment count after the group/version).
    const parts = u.pathname.split('/').filter(Boolean);
    const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
    const named = rest[0] === 'namespaces' ? rest.length >= 4 || rest.length === 2 : rest.length >= 2;
    return named ? 'get' : 'list';
  }
  return { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method] ?? method.toLowerCase();
}

const isDiscovery = (path: string) => /^\/(api|apis)(\/[^/]+){0,2}\/?(\?.*)?$/.test(path) && !/\/namespaces/.test(path) || path.startsWith('/openapi') || path.startsWith('/version');

export async function startFaultProxy(plane: ControlPlane, dir: string): Promise<FaultProxy> {
  const pki = join(plane.dir, 'pki');
  const ca = readFileSync(join(pki, 'ca.crt'));
  const adminCert = readFileSync(join(pki, 'admin.crt'));
  const adminKey = readFileSync(join(pki, 'admin.key'));
  const upstream = new URL(plane.url);
  let rules: ApiErrorRule[] = [];
  let log: ProxiedRequest[] = [];
  const listeners = new Set<(r: ProxiedRequest) => void>();
  const record = (r: ProxiedRequest) => {
    log.push(r);
    for (const l of listeners) l(r);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const verb = verbOf(req.method ?? 'GET', path);
    const rule = rules.find((r) => r.count > 0 && (!r.verb || r.verb === verb) && (!r.pathIncludes || path.includes(r.pathIncludes)));
    if (rule) {
      rule.count -= 1;
      req.resume();
      record({ verb, path, status: rule.status, at: Date.now() });
      const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `injected by the test bed's fault proxy (${rule.status})`, reason: rule.status === 503 ? 'ServiceUnavailable' : 'InternalError', code: rule.status };
      res.writeHead(rule.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    const withToken = typeof headers.authorization === 'string';
    const up = httpsRequest(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path, headers, ca, ...(withToken ? {} : { cert: adminCert, key: adminKey }) },
      (upRes) => {
        record({ verb, path, status: upRes.statusCode ?? 0, at: Date.now() });
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502).end(String(e));
      else res.destroy();
    });
    req.pipe(up);
    res.on('close', () => up.destroy());
  };

  const port = await freePort();
  const server: Server = createServer({ cert: readFileSync(join(pki, 'apiserver.crt')), key: readFileSync(join(pki, 'apiserver.key')) }, handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${port}`;
  const kubeconfigPath = writeKubeconfig(join(dir, 'proxy.kubeconfig'), { url, caCert: join(pki, 'ca.crt'), user: { clientCert: join(pki, 'admin.crt'), clientKey: join(pki, 'admin.key') } });
  return {
    url,
    kubeconfigPath,
    kubeconfigWithToken: (token, path) => writeKubeconfig(path, { url, caCert: join(pki, 'ca.crt'), user: { token } }),
    apiError: (rule) => rules.push({ ...rule }),
    clear: () => (rules = []),
    requests: () => [...log],
    onRequest: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    requestCount: (v) => log.filter((r) => r.verb !== 'watch' && !isDiscovery(r.path) && (!v || r.verb === v)).length,
    reset: () => (log = []),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
