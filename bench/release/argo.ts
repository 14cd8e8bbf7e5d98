// Argo Rollouts on the test bed, for the comparison: the controller built by build-argo.sh,
// its CRDs from the Go module cache, the app as a Rollout with Istio traffic routing, and the
// user's actions (new image, promote, abort) as the patches its kubectl plugin sends.
//
// The controller serves metrics and health on 0.0.0.0 (hard-coded), so it runs in a network
// namespace of its own that has only a loopback interface. It reaches the API server (through
// the bench's counting proxy) over a Unix socket: loopback-bridge.mjs inside the namespace,
// a socket server here outside.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { writeKubeconfig, type ControlPlane } from '../../test/support/cluster/control-plane.js';
import type { KubeObject } from '../../pipeline/core/cluster.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ARGO_VERSION = process.env.SHARDSHIP_ARGO_VERSION ?? 'v1.10.1';
const ARGO_MOD = 'github.com/argoproj/argo-rollouts';

/** Build the controller when missing (progress on stderr); the binary's path. */
export function buildArgo(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(HERE, 'build-argo.sh')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SHARDSHIP_ARGO_VERSION: ARGO_VERSION } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const bin = out.trim().split('\n').pop() ?? '';
      if (code === 0 && bin) resolve(bin);
      else reject(new Error(`building Argo Rollouts ${ARGO_VERSION} failed (exit ${code}); see the output above (bench/release/build-argo.sh)`));
    });
  });
}

/** Argo's CRD files, as they are in the module cache (never copied into the repo). */
export function argoCrdFiles(): string[] {
  const out = execFileSync('go', ['mod', 'download', '-json', `${ARGO_MOD}@${ARGO_VERSION}`], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`the Go module proxy did not serve ${ARGO_MOD}@${ARGO_VERSION}: ${out}`);
  const crds = join(dir, 'manifests', 'crds');
  return readdirSync(crds)
    .filter((f) => f.endsWith('-crd.yaml'))
    .map((f) => join(crds, f));
}

export interface ArgoController {
  pid: number;
  logPath: string;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Start the controller for one namespace (--namespaced: it watches only there, as shardship
 * touches only there), talking to `upstreamUrl` (the bench's counting proxy for Argo).
 */
export async function startArgoController(opts: { bin: string; plane: ControlPlane; upstreamUrl: string; namespace: string; dir: string }): Promise<ArgoController> {
  const up = new URL(opts.upstreamUrl);
  const sock = join(opts.dir, 'argo-api.sock');
  rmSync(sock, { force: true });
  const server: Server = createServer((c) => {
    const u = connect(Number(up.port), up.hostname);
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));

  // Inside the namespace the API server is https://127.0.0.1:6443 (the server certificate names 127.0.0.1).
  const pki = join(opts.plane.dir, 'pki');
  const kubeconfig = writeKubeconfig(join(opts.dir, 'argo.kubeconfig'), {
    url: 'https://127.0.0.1:6443',
    caCert: join(pki, 'ca.crt'),
    user: { clientCert: join(pki, 'admin.crt'), clientKey: join(pki, 'admin.key') },
    namespace: opts.namespace,
    name: 'argo',
  });
  const bridge = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, join(HERE, 'loopback-bridge.mjs'), '6443', sock], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    bridge.once('exit', (code) => reject(new Error(`the loopback bridge for Argo exited (${code}); unshare --net needs root`)));
    bridge.stdout.once('data', () => resolve());
  });

  const logPath = join(opts.dir, 'argo-controller.log');
  const fd = openSync(logPath, 'a');
  const controller = spawn(
    'nsenter',
    [
      `--net=/proc/${bridge.pid}/ns/net`,
      '--',
      opts.bin,
      `--kubeconfig=${kubeconfig}`,
      '--namespaced',
      '--leader-elect=false',
      '--istio-api-version=v1',
      '--loglevel=warn',
    ],
    // defaults.Namespace(): where it looks for its notification ConfigMap.
    { stdio: ['ignore', fd, fd], env: { ...process.env, POD_NAMESPACE: opts.namespace } },
  );
  closeSync(fd);
  if (!controller.pid) throw new Error('could not start the Argo Rollouts controller');
  const pid = controller.pid;
  return {
    pid,
    logPath,
    stop: async () => {
      controller.kill('SIGTERM');
      await waitExit(controller, 10_000);
      bridge.kill('SIGTERM');
      await waitExit(bridge, 5_000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(sock, { force: true });
    },
  };
}

export function argoLogTail(c: ArgoController, lines = 30): string {
  try {
    return readFileSync(c.logPath, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The bench's app as Argo runs it: Rollout + stable/canary Services + a VirtualService whose route `primary` Argo weights. */
export function argoApp(opts: { namespace: string; app: string; replicas: number; image: string; pause: { duration?: string } }): object[] {
  const { namespace, app } = opts;
  const labels = { app };
  const service = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });
  return [
    service(`${app}-stable`),
    service(`${app}-canary`),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: app, namespace },
      spec: {
        hosts: [app],
        http: [
          {
            name: 'primary',
            route: [
              { destination: { host: `${app}-stable` }, weight: 100 },
              { destination: { host: `${app}-canary` }, weight: 0 },
            ],
          },
        ],
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: app, namespace },
      spec: {
        replicas: opts.replicas,
        revisionHistoryLimit: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'app', image: opts.image, ports: [{ containerPort: 8080 }] }] },
        },
        strategy: {
          canary: {
            canaryService: `${app}-canary`,
            stableService: `${app}-stable`,
            trafficRouting: { istio: { virtualService: { name: app, routes: ['primary'] } } },
            steps: [{ setWeight: 20 }, { pause: opts.pause }, { setWeight: 50 }, { setWeight: 100 }],
          },
        },
      },
    },
  ];
}

/** The patches `kubectl argo rollouts` sends (pkg/kubectl-argo-rollouts/cmd/{promote,abort}), as kubectl arguments. */
export const argoActions = {
  image: (app: string, image: string) => ['patch', 'rollout', app, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }])],
  promote: (app: string) => ['patch', 'rollout', app, '--subresource=status', '--type=merge', '-p', '{"status":{"pauseConditions":null}}'],
  abort: (app: string) => ['patch', 'rollout', app, '--subresource=status', '--type=merge', '-p', '{"status":{"abort":true}}'],
};

export interface RolloutStatus {
  phase?: string;
  currentStepIndex?: number;
  pauseConditions?: unknown[];
  stableRS?: string;
  currentPodHash?: string;
  abort?: boolean;
  observedGeneration?: string;
}

/**
 * Rollouts over the API (shardship's `Cluster` port knows only the kinds shardship writes):
 * the bench's reads of Rollout status, and the user's image patches in the concurrent run.
 */
export function rolloutsClient(kubeconfigPath: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const server = kc.getCurrentCluster()!.server.replace(/\/+$/, '');
  const send = async (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: unknown }> => {
    const opts: RequestOptions = { method, headers: { Accept: 'application/json' }, timeout: 30_000 };
    await kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) opts.headers = { ...opts.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) };
    return new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(server + path), opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 300 && status !== 404) reject(new Error(`${method} ${path}: ${status} ${text.slice(0, 300)}`));
          else resolve({ status, json: status === 404 ? undefined : JSON.parse(text) });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  };
  const base = (ns: string) => `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/rollouts`;
  return {
    get: async (ns: string, name: string) => (await send('GET', `${base(ns)}/${encodeURIComponent(name)}`)).json as KubeObject | undefined,
    list: async (ns: string) => ((await send('GET', base(ns))).json as { items: KubeObject[] }).items,
    setImage: async (ns: string, name: string, image: string) => {
      await send('PATCH', `${base(ns)}/${encodeURIComponent(name)}`, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }], 'application/json-patch+json');
    },
  };
}
