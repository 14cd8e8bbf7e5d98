// Credentials for the API server from a kubeconfig. Loading @kubernetes/client-node costs
// ~0.6 CPU-s per process, which every short CLI run (a promote, an abort) paid before its
// first request. The common kubeconfig — one file, a client certificate or a bearer token,
// a CA — is read here with the yaml parser; anything else (exec plugins, auth providers,
// basic auth, proxies, several merged files, in-cluster config) goes to client-node's
// KubeConfig, which knows them all.
import { existsSync, readFileSync } from 'node:fs';
import { Agent, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../core/errors.js';

export interface Credentials {
  /** The API server's URL, without a trailing slash. */
  server: string;
  /** Put TLS material, the agent and the Authorization header on a request. */
  apply(opts: RequestOptions): Promise<void>;
}

interface Named<T> {
  name: string;
  cluster?: T;
  user?: T;
  context?: T;
}
interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}
interface UserEntry {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  username?: string;
  password?: string;
  impersonate?: unknown;
  as?: unknown;
}
interface KubeconfigFile {
  'current-context'?: string;
  clusters?: Named<ClusterEntry>[];
  users?: Named<UserEntry>[];
  contexts?: Named<{ cluster?: string; user?: string }>[];
}

function loadError(path: string, e: unknown): UsageError {
  return new UsageError(`kubernetes: cannot load kubeconfig ${path}: ${(e as Error).message}`, { hint: 'set KUBECONFIG or pass --kubeconfig FILE', cause: e });
}

/** The one kubeconfig file to read, or undefined when client-node must decide (merged files, in-cluster). */
function kubeconfigFile(path: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (path) return path;
  const fromEnv = env.KUBECONFIG;
  if (fromEnv) return fromEnv.includes(':') ? undefined : fromEnv;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

/** Fast path: the file's current context, when it uses only what this reader understands. */
function readSimple(file: string): Credentials | undefined {
  let doc: KubeconfigFile;
  try {
    doc = parse(readFileSync(file, 'utf8')) as KubeconfigFile;
  } catch (e) {
    throw loadError(file, e);
  }
  if (!doc || typeof doc !== 'object') throw loadError(file, new Error('not a kubeconfig'));
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context'])?.context;
  const cluster = doc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === ctx?.user)?.user ?? {};
  if (!cluster?.server) throw new UsageError('kubernetes: the kubeconfig has no current cluster', { hint: 'set current-context in the kubeconfig' });
  if (cluster['proxy-url'] || user.exec || user['auth-provider'] || user.username || user.password || user.impersonate || user.as) return undefined;
  const base = dirname(file);
  const read = (p: string) => readFileSync(isAbsolute(p) ? p : join(base, p));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  try {
    const ca = cluster['certificate-authority-data'] ? b64(cluster['certificate-authority-data']) : cluster['certificate-authority'] ? read(cluster['certificate-authority']) : undefined;
    const cert = user['client-certificate-data'] ? b64(user['client-certificate-data']) : user['client-certificate'] ? read(user['client-certificate']) : undefined;
    const key = user['client-key-data'] ? b64(user['client-key-data']) : user['client-key'] ? read(user['client-key']) : undefined;
    const token = user.token ?? (user.tokenFile ? read(user.tokenFile).toString('utf8').trim() : undefined);
    const agent = new Agent({
      keepAlive: true,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
      // Only when the kubeconfig says so; verification is on otherwise.
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    });
    return {
      server: cluster.server.replace(/\/+$/, ''),
      apply: (opts) => {
        opts.agent = agent;
        if (token) opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
        return Promise.resolve();
      },
    };
  } catch (e) {
    throw loadError(file, e);
  }
}

/** Everything else, through client-node (loaded only then). */
async function readWithClientNode(path: string | undefined): Promise<Credentials> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (e) {
    throw loadError(path ?? '(default)', e);
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new UsageError('kubernetes: the kubeconfig has no current cluster', { hint: 'set current-context in the kubeconfig' });
  return { server: server.replace(/\/+$/, ''), apply: (opts) => kc.applyToHTTPSOptions(opts) };
}

export async function loadCredentials(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  const file = kubeconfigFile(path, env);
  if (file && !existsSync(file)) throw loadError(file, new Error(`ENOENT: no such file ${file}`));
  const simple = file ? readSimple(file) : undefined;
  return simple ?? readWithClientNode(file);
}
