// The test bed's real Kubernetes control plane: etcd, kube-apiserver (RBAC, generated
// certificates, service-account keys), kube-controller-manager, kube-scheduler and KWOK
// (fake nodes and the pod lifecycle, so Deployments get ReplicaSets and Pods that are bound
// and become Ready without containers), all built from pinned Go modules by build.sh into a
// cache outside the repo. The Istio networking CRDs and the Gateway API standard CRDs are
// applied from the Go module cache at start.
//
// One control plane serves a whole test run: `sharedControlPlane()` starts it (under a lock,
// detached, so it outlives the test file that started it) or reuses a healthy one; the
// vitest global set-up stops it if this run started it. `npm run cluster:up|down` use the same.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { freePort } from '../service.js';
import { writePki, type Pki } from './pki.js';

const execFileP = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));

/** Versions of the CRD sources (Go modules read from the module cache, never copied into the repo). */
export const ISTIO_API_VERSION = process.env.SHARDSHIP_ISTIO_API_VERSION ?? 'v1.32.0';
export const GATEWAY_API_VERSION = process.env.SHARDSHIP_GATEWAY_API_VERSION ?? 'v1.4.1';
export const FAKE_NODES = 3;

/** What a running control plane is, as stored in its state file (any process can reuse or stop it). */
export interface ControlPlane {
  stateVersion: 1;
  dir: string;
  url: string;
  /** Admin kubeconfig (group system:masters). */
  kubeconfigPath: string;
  kubeVersion: string;
  binDir: string;
  kubectlPath: string;
  caCert: string;
  pids: Record<string, number>;
  etcdDataDir: string;
  startedAt: string;
}

function log(msg: string): void {
  process.stderr.write(`testbed: ${msg}\n`);
}

/** Build what is missing (progress on stderr) and return the bin folder. */
export async function ensureBinaries(): Promise<string> {
  const script = join(HERE, 'build.sh');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const bin = out.trim().split('\n').pop() ?? '';
      if (code === 0 && existsSync(join(bin, 'kube-apiserver'))) resolve(bin);
      else reject(new Error(`building the control plane failed (exit ${code}); see the output above (test/support/cluster/build.sh)`));
    });
  });
}

export function defaultDir(): string {
  return process.env.SHARDSHIP_TESTBED_DIR ?? join(tmpdir(), `shardship-testbed-${process.getuid?.() ?? 'u'}`);
}

export function writeKubeconfig(
  path: string,
  opts: { url: string; caCert: string; user: { clientCert: string; clientKey: string } | { token: string }; namespace?: string; name?: string },
): string {
  const name = opts.name ?? 'testbed';
  const user = 'token' in opts.user ? { token: opts.user.token } : { 'client-certificate': opts.user.clientCert, 'client-key': opts.user.clientKey };
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: opts.url, 'certificate-authority': opts.caCert } }],
      users: [{ name, user }],
      contexts: [{ name, context: { cluster: name, user: name, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
      'current-context': name,
    }),
    { mode: 0o600 },
  );
  return path;
}

/** GET a path of the API server with the admin certificate; status code, or 0 when it does not answer. */
function apiGet(pki: Pki, url: string, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(new URL(path, url), { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey), timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid still runs one of our binaries (a recycled pid is left alone). */
function ours(pid: number, binDir: string): boolean {
  try {
    return alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(binDir);
  } catch {
    return false;
  }
}

function startDetached(name: string, bin: string, args: string[], logDir: string): number {
  const fd = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error(`could not start ${name}`);
  return child.pid;
}

function logTail(dir: string, name: string, lines = 20): string {
  try {
    return readFileSync(join(dir, 'logs', `${name}.log`), 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, onTimeout: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`testbed: ${what} not ready within ${timeoutMs / 1000}s\n${onTimeout()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The go command: on PATH, else where the machine keeps it. */
export const GO = process.env.GO ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');

function moduleDir(mod: string, version: string): string {
  const out = execFileSync(GO, ['mod', 'download', '-json', `${mod}@${version}`], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const dir = (JSON.parse(out) as { Dir?: string; Error?: string }).Dir;
  if (!dir) throw new Error(`the Go module proxy did not serve ${mod}@${version}: ${out}`);
  return dir;
}

/** The Istio networking CRDs and the Gateway API standard CRDs, as files in the module cache. */
export function crdFiles(): string[] {
  const istio = join(moduleDir('istio.io/api', ISTIO_API_VERSION), 'kubernetes', 'customresourcedefinitions.gen.yaml');
  const gwDir = join(moduleDir('sigs.k8s.io/gateway-api', GATEWAY_API_VERSION), 'config', 'crd', 'standard');
  const gateway = execFileSync('sh', ['-c', `ls ${JSON.stringify(gwDir)}/*.yaml`], { encoding: 'utf8' }).trim().split('\n');
  return [istio, ...gateway];
}

export async function startControlPlane(dir: string = defaultDir(), opts: { crds?: boolean } = {}): Promise<ControlPlane> {
  const t0 = Date.now();
  const binDir = await ensureBinaries();
  rmSync(dir, { recursive: true, force: true });
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const pki = writePki(join(dir, 'pki'));
  const etcdDataDir = join(existsSync('/dev/shm') ? '/dev/shm' : dir, `shardship-testbed-etcd-${process.pid}-${Date.now()}`);
  const [etcdPort, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const url = `https://127.0.0.1:${apiPort}`;
  const kubeconfigPath = writeKubeconfig(join(dir, 'admin.kubeconfig'), { url, caCert: pki.caCert, user: { clientCert: pki.adminCert, clientKey: pki.adminKey } });
  const kubeVersion = execFileSync(join(binDir, 'kube-apiserver'), ['--version'], { encoding: 'utf8' }).trim().replace(/^Kubernetes /, '');
  const plane: ControlPlane = {
    stateVersion: 1,
    dir,
    url,
    kubeconfigPath,
    kubeVersion,
    binDir,
    kubectlPath: join(binDir, 'kubectl'),
    caCert: pki.caCert,
    pids: {},
    etcdDataDir,
    startedAt: new Date().toISOString(),
  };
  const save = () => writeFileSync(join(dir, 'state.json'), JSON.stringify(plane, null, 2));
  try {
    plane.pids.etcd = startDetached('etcd', join(binDir, 'etcd'), [
      '--name=testbed',
      `--data-dir=${etcdDataDir}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=testbed=http://127.0.0.1:${etcdPeer}`,
      // A test bed: losing the data on a crash is fine, waiting on fsync is not.
      '--unsafe-no-fsync',
      '--auto-compaction-retention=1',
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ], logDir);
    save();
    plane.pids['kube-apiserver'] = startDetached('kube-apiserver', join(binDir, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Loopback cannot be the kubernetes Service's endpoint: nothing in the test bed needs it.
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=0',
    ], logDir);
    save();
    await waitFor('kube-apiserver', async () => (await apiGet(pki, url, '/readyz')) === 200, 120_000, () => logTail(dir, 'kube-apiserver') + '\n' + logTail(dir, 'etcd'));
    log(`kube-apiserver ${kubeVersion} ready at ${url} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

    plane.pids['kube-controller-manager'] = startDetached('kube-controller-manager', join(binDir, 'kube-controller-manager'), [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--use-service-account-credentials=false',
      '--kube-api-qps=500',
      '--kube-api-burst=1000',
      '--concurrent-deployment-syncs=20',
      '--concurrent-replicaset-syncs=20',
      '--v=0',
    ], logDir);
    plane.pids['kube-scheduler'] = startDetached('kube-scheduler', join(binDir, 'kube-scheduler'), [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      '--leader-elect=false',
      '--kube-api-qps=500',
      '--kube-api-burst=1000',
      '--v=0',
    ], logDir);
    plane.pids.kwok = startDetached('kwok', join(binDir, 'kwok'), [
      `--kubeconfig=${kubeconfigPath}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--config=${join(HERE, 'kwok-stages.yaml')}`,
      `--server-address=127.0.0.1:${kwokPort}`,
      '--node-lease-duration-seconds=40',
      '--cidr=10.244.0.0/16',
      '--node-ip=10.240.0.1',
    ], logDir);
    save();

    const kubectl = (args: string[], input?: string) => kubectlRun(plane, args, input);
    const nodes = Array.from({ length: FAKE_NODES }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `kwok-node-${i}`, annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' }, labels: { type: 'kwok', 'kubernetes.io/hostname': `kwok-node-${i}`, 'kubernetes.io/os': 'linux' } },
      spec: {},
    }));
    await mustKubectl(plane, ['apply', '-f', '-'], nodes.map((n) => JSON.stringify(n)).join('\n'));
    const crds = opts.crds === false ? [] : crdFiles();
    if (crds.length) {
      await mustKubectl(plane, ['apply', '--server-side', ...crds.flatMap((f) => ['-f', f])]);
      await mustKubectl(plane, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    }
    await mustKubectl(plane, ['wait', '--for=condition=Ready', '--timeout=60s', 'node', '--all']);
    await waitFor('the service-account controller', async () => (await kubectl(['get', 'serviceaccount', 'default', '-n', 'default'])).code === 0, 60_000, () => logTail(dir, 'kube-controller-manager'));
    log(`control plane ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${FAKE_NODES} KWOK nodes, ${crds.length} CRD files)`);
    return plane;
  } catch (e) {
    await stopControlPlane(plane);
    throw e;
  }
}

export async function kubectlRun(plane: Pick<ControlPlane, 'kubectlPath' | 'kubeconfigPath'>, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = execFileP(plane.kubectlPath, ['--kubeconfig', plane.kubeconfigPath, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (input !== undefined) p.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await p;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

async function mustKubectl(plane: ControlPlane, args: string[], input?: string): Promise<string> {
  const r = await kubectlRun(plane, args, input);
  if (r.code !== 0) throw new Error(`testbed: kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export async function stopControlPlane(plane: Pick<ControlPlane, 'pids' | 'binDir' | 'etcdDataDir' | 'dir'>): Promise<void> {
  // Clients first, etcd last, so nothing logs errors about a vanished store.
  const order = ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'];
  for (const name of order) {
    const pid = plane.pids[name];
    if (!pid || !ours(pid, plane.binDir)) continue;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(plane.etcdDataDir, { recursive: true, force: true });
  rmSync(join(plane.dir, 'state.json'), { force: true });
}

export function readState(dir: string = defaultDir()): ControlPlane | undefined {
  try {
    const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ControlPlane;
    return s.stateVersion === 1 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Every component runs and the API server answers. */
export async function healthy(plane: ControlPlane): Promise<boolean> {
  if (!Object.values(plane.pids).every((pid) => ours(pid, plane.binDir))) return false;
  if (Object.keys(plane.pids).length < 5) return false;
  const pki = writePki(join(plane.dir, 'pki'));
  return (await apiGet(pki, plane.url, '/readyz')) === 200;
}

/** A lock folder holding the owner's pid; a dead owner's lock is taken over. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 45 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      if (owner && !alive(owner)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`testbed: ${lock} held by pid ${owner} for too long`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The shared control plane: a healthy running one, else a fresh one (what a killed run left is stopped first). */
export async function sharedControlPlane(dir: string = defaultDir()): Promise<ControlPlane> {
  return withLock(dir, async () => {
    const existing = readState(dir);
    if (existing && (await healthy(existing))) return existing;
    if (existing) await stopControlPlane(existing);
    return startControlPlane(dir);
  });
}

/** Stop the shared control plane, if one runs. */
export async function stopSharedControlPlane(dir: string = defaultDir()): Promise<boolean> {
  return withLock(dir, async () => {
    const existing = readState(dir);
    if (!existing) return false;
    await stopControlPlane(existing);
    return true;
  });
}
