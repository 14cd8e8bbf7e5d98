// Where the kube-sim integration tests run: the simulator by default, or a real cluster
// when SHARDSHIP_E2E_CLUSTER=1 and KUBECONFIG are set (each run gets its own namespace,
// deleted afterwards). Tests that only make sense on the simulator (faults, traffic) use
// startKubeSim() directly.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, type KubeSim } from '../../support/kube-sim/index.js';
import { removeDir, tempDir } from '../../support/service.js';

const run = promisify(execFile);

export interface TestCluster {
  kubeconfigPath: string;
  kc: KubeConfig;
  namespace: string;
  /** The simulator, when running against it (undefined on a real cluster). */
  sim: KubeSim | undefined;
  /** Run kubectl against this cluster (own cache dir, no shared state). */
  kubectl(args: string[], input?: string): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export function onRealCluster(): boolean {
  return process.env.SHARDSHIP_E2E_CLUSTER === '1' && Boolean(process.env.KUBECONFIG);
}

export async function connectCluster(opts: { readyDelayMs?: number } = {}): Promise<TestCluster> {
  const real = onRealCluster();
  const sim = real ? undefined : await startKubeSim({ readyDelayMs: opts.readyDelayMs ?? 200 });
  const kubeconfigPath = real ? process.env.KUBECONFIG! : sim!.kubeconfigPath;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const namespace = `kst-${randomBytes(3).toString('hex')}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const cacheDir = tempDir('kubectl-cache');
  const kubectl = async (args: string[], input?: string) => {
    const child = run('kubectl', ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args], { timeout: 60_000 });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    return child;
  };
  return {
    kubeconfigPath,
    kc,
    namespace,
    sim,
    kubectl,
    stop: async () => {
      try {
        await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace });
      } finally {
        removeDir(cacheDir);
        await sim?.stop();
      }
    },
  };
}

/** Poll `check` until it returns a value (not undefined) or time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The parsed `Status` body of a failed client-node call. */
export function statusOf(e: unknown): { code: number; reason?: string; message?: string; details?: Record<string, unknown>; kind?: string } {
  const err = e as { code?: number; body?: unknown };
  if (typeof err.code !== 'number') throw e instanceof Error ? e : new Error(String(e));
  const body = typeof err.body === 'string' ? (JSON.parse(err.body) as Record<string, unknown>) : ((err.body ?? {}) as Record<string, unknown>);
  return { ...body, code: err.code } as { code: number; reason?: string; message?: string; details?: Record<string, unknown>; kind?: string };
}

export async function expectStatus(p: Promise<unknown>): Promise<ReturnType<typeof statusOf>> {
  try {
    await p;
  } catch (e) {
    return statusOf(e);
  }
  throw new Error('expected the API call to fail');
}

export function deploymentManifest(name: string, opts: { replicas?: number; image?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {}) {
  const labels = { app: name, ...(opts.labels ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
        spec: { containers: [{ name: 'app', image: opts.image ?? 'registry.k8s.io/pause:3.9' }] },
      },
    },
  };
}
