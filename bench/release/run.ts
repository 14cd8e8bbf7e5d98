// `npm run bench:release`: shardship against Argo Rollouts on the same real API server (the
// test bed of test/support/cluster), same app, same canary on Istio: setWeight 20 → pause →
// 50 → 100. See bench/release/README.md for what each figure means and how it is taken.
//
// Each tool talks to the API server through its own counting proxy (test/support/cluster/
// fault-proxy.ts), so both are counted the same way; the bench's own reads go straight to
// the API server and are never counted. Sizes: BENCH_APPS (concurrent apps, default 100),
// BENCH_HOLD_MS (time each tool sits at the pause, default 5000), BENCH_POLL (the CLI's
// --poll, default 250ms), BENCH_ARGO_CONCURRENT=0 skips Argo's concurrent run.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { healthy, kubectlRun, readState, sharedControlPlane, stopSharedControlPlane, type ControlPlane } from '../../test/support/cluster/control-plane.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../../test/support/cluster/fault-proxy.js';
import { removeDir, tempDir } from '../../test/support/service.js';
import { connectCluster } from '../../pipeline/kube/client.js';
import type { Cluster, KubeObject } from '../../pipeline/core/cluster.js';
import { ReleaseConfig } from '../../pipeline/config/release.js';
import { startRelease, type ReleaseOptions } from '../../pipeline/release/index.js';
import { ARGO_VERSION, argoActions, argoApp, argoCrdFiles, argoLogTail, buildArgo, rolloutsClient, startArgoController, type ArgoController, type RolloutStatus } from './argo.js';
import { cpuOf, peakRssMiB, resetPeakRss } from './proc.js';

const execFileP = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const APPS = Number(process.env.BENCH_APPS ?? 100);
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 5000);
const POLL = process.env.BENCH_POLL ?? '250ms';
const ARGO_MANY = process.env.BENCH_ARGO_CONCURRENT !== '0';
const REPLICAS = 4;
const STEPS = [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { setWeight: 100 }];
/** Distinct routing states of one full release: 20%, 50%, 100% canary, then stable (the new version) at 100%. */
const TRAFFIC_STEPS = 4;
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const suffix = Date.now().toString(36);

// ---------- what both tools are measured with ----------

/** The canary share of a VirtualService's default (match-less) route, whoever wrote it. */
function canaryWeight(vs: KubeObject | undefined): number | undefined {
  const http = (vs?.spec as { http?: { match?: unknown; route?: { destination?: { host?: string; subset?: string }; weight?: number }[] }[] } | undefined)?.http;
  const route = http?.find((r) => !r.match)?.route;
  if (!route) return undefined;
  return route.filter((d) => `${d.destination?.subset ?? d.destination?.host ?? ''}`.includes('canary')).reduce((a, d) => a + (d.weight ?? 0), 0);
}

/** Watches (by polling, straight to the API server) a VirtualService's canary weight: each change with its time. */
function weightRecorder(observer: Cluster, namespace: string, name: string) {
  const changes: { at: number; canary: number | undefined }[] = [];
  let last: number | undefined | null = null;
  let running = true;
  const loop = (async () => {
    while (running) {
      const w = canaryWeight(await observer.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name }));
      if (w !== last) changes.push({ at: Date.now(), canary: w });
      last = w;
      await sleep(50);
    }
  })();
  return {
    changes,
    now: () => last,
    async until(what: string, pred: (w: number | undefined) => boolean, timeoutMs = 120_000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      while (!(last !== null && pred(last))) {
        if (Date.now() > deadline) throw new Error(`${what}: VirtualService ${namespace}/${name} canary weight is ${String(last)}`);
        await sleep(20);
      }
      return changes[changes.length - 1]!.at;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

interface Counts {
  requests: number;
  writes: number;
  routingWrites: number;
  watches: number;
  conflicts: number;
}

function countsOf(reqs: ProxiedRequest[], proxy: FaultProxy, routingPath: string | RegExp): Counts {
  const isRouting = (p: string) => (typeof routingPath === 'string' ? p.split('?')[0]!.endsWith(routingPath) : routingPath.test(p));
  const writes = reqs.filter((r) => WRITE_VERBS.has(r.verb));
  return {
    requests: proxy.requestCount(),
    writes: writes.length,
    routingWrites: writes.filter((r) => isRouting(r.path) && r.status < 300).length,
    watches: reqs.filter((r) => r.verb === 'watch').length,
    conflicts: reqs.filter((r) => r.status === 409).length,
  };
}

const routingWritesBetween = (reqs: ProxiedRequest[], path: string, from: number, to: number) =>
  reqs.filter((r) => WRITE_VERBS.has(r.verb) && r.status < 300 && r.path.split('?')[0]!.endsWith(path) && r.at >= from && r.at <= to);

// ---------- shardship: the CLI, one process per command, as a CI job runs it ----------

interface CliRun {
  code: number;
  startedAt: number;
  endedAt: number;
  cpuSeconds: number;
  rssMiB: number;
  report: { phase?: string; api?: { reads: number; writes: number; routingWrites: number; apiMs: number } };
}

async function shardshipCli(dir: string, kubeconfig: string, args: string[]): Promise<CliRun> {
  const timeFile = join(dir, `time-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const startedAt = Date.now();
  // GNU time: user+system CPU and the peak RSS of the whole CLI process (node start-up included).
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, process.execPath, join(ROOT, 'bin', 'shardship.js'), 'release', ...args, '--config', join(dir, 'shardship.yaml'), '--kubeconfig', kubeconfig, '--poll', POLL, '--json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, USER: 'bench', NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
  const endedAt = Date.now();
  const [u, s, m] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  let report: CliRun['report'] = {};
  try {
    report = JSON.parse(out) as CliRun['report'];
  } catch {
    throw new Error(`shardship release ${args.join(' ')} printed no JSON report (exit ${code}):\n${out}\n${err}`);
  }
  return { code, startedAt, endedAt, cpuSeconds: u! + s!, rssMiB: m! / 1024, report };
}

interface ToolResult {
  tool: string;
  step20Writes: number;
  afterPromoteWrites: number;
  routingStates: number;
  promoteToWriteMs: number;
  /** Argo: from the promote patch being accepted (no process start). */
  promoteToWriteFromApiMs?: number;
  abortToStableMs: number;
  abortToStableFromApiMs?: number;
  abortRoutingWrites: number;
  abortApiMs?: number;
  /** shardship: from the abort command's start to its first API answer (node start-up, config load). */
  abortFirstRequestMs?: number;
  /** Argo: CPU the resident controller spends per minute while the release waits at the pause. */
  idleCpuPerMinute?: number;
  counts: Counts;
  cpuSeconds: number;
  peakMiB: number;
  cpuNote: string;
}

async function benchShardship(plane: ControlPlane, observer: Cluster, dir: string): Promise<ToolResult> {
  const ns = `bench-shardship-${suffix}`;
  const app = 'web';
  await kubectlRun(plane, ['create', 'namespace', ns]);
  const sdir = join(dir, 'shardship');
  mkdirSync(sdir, { recursive: true });
  const proxy = await startFaultProxy(plane, sdir);
  writeFileSync(
    join(sdir, 'shardship.yaml'),
    stringify({ version: 1, release: { namespace: ns, apps: { [app]: { replicas: REPLICAS, router: { istio: {} }, strategy: { canary: { steps: STEPS } } } } } }),
  );
  try {
    const first = await shardshipCli(sdir, proxy.kubeconfigPath, ['start', '--app', app, '--image', 'registry.local/web:1']);
    if (first.code !== 0) throw new Error(`shardship: first release exited ${first.code}`);
    const vsPath = `/namespaces/${ns}/virtualservices/${app}`;
    const rec = weightRecorder(observer, ns, app);
    await rec.until('shardship: first release', (w) => w === 0);
    proxy.reset();
    const runs: CliRun[] = [];
    const run = async (args: string[], want: number) => {
      const r = await shardshipCli(sdir, proxy.kubeconfigPath, [args[0]!, '--app', app, ...args.slice(1)]);
      runs.push(r);
      if (r.code !== want) throw new Error(`shardship release ${args.join(' ')}: exit ${r.code}, expected ${want} (${r.report.phase})`);
      return r;
    };
    const start2 = await run(['start', '--image', 'registry.local/web:2'], 3);
    await rec.until('shardship: paused at 20%', (w) => w === 20);
    await sleep(HOLD_MS);
    const promote = await run(['promote'], 0);
    await rec.until('shardship: completed', (w) => w === 0);
    const reqs = proxy.requests();
    const firstPromoteWrite = routingWritesBetween(reqs, vsPath, promote.startedAt, Infinity)[0];
    const routingStates = rec.changes.filter((c) => c.at >= start2.startedAt).length;

    await run(['start', '--image', 'registry.local/web:3'], 3);
    await rec.until('shardship: second canary paused at 20%', (w) => w === 20);
    const abort = await run(['abort'], 1);
    const abortWrites = routingWritesBetween(proxy.requests(), vsPath, abort.startedAt, Infinity);
    if (!abortWrites[0]) throw new Error('shardship: abort made no routing write');
    const abortFirst = proxy.requests().find((r) => r.at >= abort.startedAt);
    await rec.until('shardship: abort', (w) => w === 0);
    await rec.stop();
    const all = proxy.requests();
    return {
      tool: 'shardship',
      step20Writes: routingWritesBetween(all, vsPath, start2.startedAt, start2.endedAt).length,
      afterPromoteWrites: routingWritesBetween(all, vsPath, promote.startedAt, promote.endedAt).length,
      routingStates,
      promoteToWriteMs: firstPromoteWrite ? firstPromoteWrite.at - promote.startedAt : NaN,
      abortToStableMs: abortWrites[0].at - abort.startedAt,
      abortRoutingWrites: abortWrites.length,
      ...(abort.report.api ? { abortApiMs: abort.report.api.apiMs } : {}),
      ...(abortFirst ? { abortFirstRequestMs: abortFirst.at - abort.startedAt } : {}),
      counts: countsOf(all, proxy, vsPath),
      cpuSeconds: runs.reduce((a, r) => a + r.cpuSeconds, 0),
      peakMiB: Math.max(...runs.map((r) => r.rssMiB)),
      cpuNote: `${runs.length} CLI processes (user+sys, node start-up included; GNU time)`,
    };
  } finally {
    await proxy.stop();
  }
}

// ---------- Argo Rollouts: the resident controller; the user's actions are kubectl patches ----------

type Rollouts = ReturnType<typeof rolloutsClient>;

async function rolloutStatus(rollouts: Rollouts, ns: string, app: string): Promise<RolloutStatus & { generation?: number }> {
  const ro = await rollouts.get(ns, app);
  return { ...((ro?.status as RolloutStatus | undefined) ?? {}), generation: ro?.metadata.generation };
}

async function waitRollout(rollouts: Rollouts, ns: string, app: string, what: string, pred: (s: RolloutStatus & { generation?: number }) => boolean, argo: ArgoController, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await rolloutStatus(rollouts, ns, app);
    if (pred(s)) return;
    if (Date.now() > deadline) throw new Error(`argo: ${what} not reached in ${timeoutMs / 1000}s: ${JSON.stringify(s)}\n${argoLogTail(argo)}`);
    await sleep(50);
  }
}

const healthyRollout = (s: RolloutStatus & { generation?: number }) => s.phase === 'Healthy' && !!s.stableRS && s.stableRS === s.currentPodHash && String(s.generation) === String(s.observedGeneration);

async function kubectlThrough(plane: ControlPlane, kubeconfig: string, cacheDir: string, args: string[]): Promise<{ startedAt: number; endedAt: number }> {
  const startedAt = Date.now();
  await execFileP(plane.kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { timeout: 60_000 });
  return { startedAt, endedAt: Date.now() };
}

async function installArgoCrds(plane: ControlPlane): Promise<void> {
  const files = argoCrdFiles();
  const r = await kubectlRun(plane, ['apply', '--server-side', '--force-conflicts', ...files.flatMap((f) => ['-f', f])]);
  if (r.code !== 0) throw new Error(`applying Argo's CRDs failed: ${r.stderr}`);
  await kubectlRun(plane, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/rollouts.argoproj.io']);
}

async function applyObjects(plane: ControlPlane, objs: object[]): Promise<void> {
  const r = await kubectlRun(plane, ['apply', '-f', '-'], objs.map((o) => JSON.stringify(o)).join('\n'));
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
}

async function benchArgo(plane: ControlPlane, observer: Cluster, rollouts: Rollouts, dir: string, bin: string): Promise<ToolResult> {
  const ns = `bench-argo-${suffix}`;
  const app = 'web';
  await kubectlRun(plane, ['create', 'namespace', ns]);
  const adir = join(dir, 'argo');
  mkdirSync(adir, { recursive: true });
  const proxy = await startFaultProxy(plane, adir);
  const argo = await startArgoController({ bin, plane, upstreamUrl: proxy.url, namespace: ns, dir: adir });
  const user = (args: string[]) => kubectlThrough(plane, proxy.kubeconfigPath, join(adir, 'kubectl-cache'), ['-n', ns, ...args]);
  try {
    await applyObjects(plane, argoApp({ namespace: ns, app, replicas: REPLICAS, image: 'registry.local/web:1', pause: {} }));
    await waitRollout(rollouts, ns, app, 'first rollout healthy', healthyRollout, argo);
    const vsPath = `/namespaces/${ns}/virtualservices/${app}`;
    const rec = weightRecorder(observer, ns, app);
    await rec.until('argo: first rollout', (w) => w === 0);
    // Warm kubectl's discovery cache, as a user's machine has it; then count from zero.
    await user(['get', 'rollout', app, '-o', 'name']);
    await sleep(1000);
    proxy.reset();
    const peakReset = resetPeakRss(argo.pid);
    const cpu0 = cpuOf(argo.pid).cpuSeconds;

    const start2 = await user(argoActions.image(app, 'registry.local/web:2'));
    await waitRollout(rollouts, ns, app, 'paused at step 2', (s) => s.currentStepIndex === 1 && (s.pauseConditions?.length ?? 0) > 0, argo);
    await rec.until('argo: paused at 20%', (w) => w === 20);
    const paused = Date.now();
    const idle0 = cpuOf(argo.pid).cpuSeconds;
    await sleep(HOLD_MS);
    const idleCpuPerMinute = ((cpuOf(argo.pid).cpuSeconds - idle0) * 60_000) / HOLD_MS;
    const promote = await user(argoActions.promote(app));
    await waitRollout(rollouts, ns, app, 'completed', healthyRollout, argo);
    await rec.until('argo: completed', (w) => w === 0);
    const completed = Date.now();
    const reqs = proxy.requests();
    const firstPromoteWrite = routingWritesBetween(reqs, vsPath, promote.startedAt, Infinity)[0];
    const promoteAccepted = reqs.find((r) => r.verb === 'patch' && r.path.includes(`/rollouts/${app}/status`) && r.at >= promote.startedAt);
    const routingStates = rec.changes.filter((c) => c.at >= start2.startedAt).length;

    await user(argoActions.image(app, 'registry.local/web:3'));
    await waitRollout(rollouts, ns, app, 'second canary paused', (s) => s.currentStepIndex === 1 && (s.pauseConditions?.length ?? 0) > 0, argo);
    await rec.until('argo: second canary paused at 20%', (w) => w === 20);
    const abort = await user(argoActions.abort(app));
    await rec.until('argo: abort', (w) => w === 0);
    await waitRollout(rollouts, ns, app, 'aborted', (s) => s.abort === true, argo);
    const all = proxy.requests();
    const abortWrites = routingWritesBetween(all, vsPath, abort.startedAt, Infinity);
    const abortAccepted = all.find((r) => r.verb === 'patch' && r.path.includes(`/rollouts/${app}/status`) && r.at >= abort.startedAt);
    const cpu1 = cpuOf(argo.pid).cpuSeconds;
    const peak = peakRssMiB(argo.pid);
    await rec.stop();
    if (!abortWrites[0]) throw new Error('argo: abort made no routing write');
    return {
      tool: `Argo Rollouts ${ARGO_VERSION}`,
      step20Writes: routingWritesBetween(all, vsPath, start2.startedAt, paused).length,
      afterPromoteWrites: routingWritesBetween(all, vsPath, promote.startedAt, completed).length,
      routingStates,
      promoteToWriteMs: firstPromoteWrite ? firstPromoteWrite.at - promote.startedAt : NaN,
      ...(firstPromoteWrite && promoteAccepted ? { promoteToWriteFromApiMs: firstPromoteWrite.at - promoteAccepted.at } : {}),
      abortToStableMs: abortWrites[0].at - abort.startedAt,
      ...(abortAccepted ? { abortToStableFromApiMs: abortWrites[0].at - abortAccepted.at } : {}),
      abortRoutingWrites: abortWrites.length,
      idleCpuPerMinute,
      counts: countsOf(all, proxy, vsPath),
      cpuSeconds: cpu1 - cpu0,
      peakMiB: peak,
      cpuNote: `the controller process, /proc/${argo.pid}/stat over both releases${peakReset ? '' : ' (peak since its start)'}; kubectl patches not included`,
    };
  } finally {
    await argo.stop();
    await proxy.stop();
  }
}

// ---------- many apps at once ----------

interface ManyResult {
  tool: string;
  completed: number;
  wallS: number;
  counts: Counts;
  cpuSeconds: number;
  note: string;
}

const MANY_STEPS = [{ setWeight: 20 }, { pause: { duration: '1s' } }, { setWeight: 50 }, { setWeight: 100 }];
const manyNames = () => Array.from({ length: APPS }, (_, i) => `app-${String(i).padStart(3, '0')}`);

async function manyShardship(plane: ControlPlane, dir: string): Promise<ManyResult> {
  const ns = `bench-shardship-many-${suffix}`;
  await kubectlRun(plane, ['create', 'namespace', ns]);
  const pdir = join(dir, 'shardship-many');
  mkdirSync(pdir, { recursive: true });
  const proxy = await startFaultProxy(plane, pdir);
  try {
    const apps = manyNames();
    const config = ReleaseConfig.parse({ namespace: ns, apps: Object.fromEntries(apps.map((a) => [a, { replicas: 2, router: { istio: {} }, strategy: { canary: { steps: MANY_STEPS } } }])) });
    const cluster = connectCluster({ kubeconfigPath: proxy.kubeconfigPath });
    const base = (app: string): ReleaseOptions => ({ cluster, config, app, env: { USER: 'bench' }, pollMs: 250, timeoutMs: 900_000 });
    await Promise.all(apps.map((a) => startRelease({ ...base(a), image: `registry.local/${a}:1` })));
    proxy.reset();
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const results = await Promise.all(apps.map((a) => startRelease({ ...base(a), image: `registry.local/${a}:2` })));
    const wallS = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      tool: 'shardship',
      completed: results.filter((r) => r.phase === 'Completed').length,
      wallS,
      counts: countsOf(proxy.requests(), proxy, /\/virtualservices\/app-\d+(\?|$)/),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      note: 'in-process startRelease calls, one client (the bench process\'s CPU)',
    };
  } finally {
    await proxy.stop();
  }
}

async function manyArgo(plane: ControlPlane, rollouts: Rollouts, dir: string, bin: string): Promise<ManyResult> {
  const ns = `bench-argo-many-${suffix}`;
  await kubectlRun(plane, ['create', 'namespace', ns]);
  const adir = join(dir, 'argo-many');
  mkdirSync(adir, { recursive: true });
  const proxy = await startFaultProxy(plane, adir);
  const argo = await startArgoController({ bin, plane, upstreamUrl: proxy.url, namespace: ns, dir: adir });
  try {
    const apps = manyNames();
    await applyObjects(plane, apps.flatMap((app) => argoApp({ namespace: ns, app, replicas: 2, image: `registry.local/${app}:1`, pause: { duration: '1s' } })));
    const allHealthy = async (what: string) => {
      const deadline = Date.now() + 900_000;
      for (;;) {
        const ros = await rollouts.list(ns);
        const ok = ros.filter((ro) => healthyRollout({ ...((ro.status as RolloutStatus | undefined) ?? {}), generation: ro.metadata.generation })).length;
        if (ok === apps.length) return ok;
        if (Date.now() > deadline) throw new Error(`argo: ${what}: ${ok}/${apps.length} healthy\n${argoLogTail(argo)}`);
        await sleep(250);
      }
    };
    await allHealthy('first rollouts');
    await sleep(1000);
    // The user's new images go through Argo's proxy (as kubectl would send them), counted with it.
    const client = rolloutsClient(proxy.kubeconfigPath);
    proxy.reset();
    const cpu0 = cpuOf(argo.pid).cpuSeconds;
    const t0 = Date.now();
    await Promise.all(apps.map((app) => client.setImage(ns, app, `registry.local/${app}:2`)));
    // Healthy again with the new generation observed: every rollout went through all steps.
    const completed = await allHealthy('second rollouts');
    const wallS = (Date.now() - t0) / 1000;
    return {
      tool: `Argo Rollouts ${ARGO_VERSION}`,
      completed,
      wallS,
      counts: countsOf(proxy.requests(), proxy, /\/virtualservices\/app-\d+(\?|$)/),
      cpuSeconds: cpuOf(argo.pid).cpuSeconds - cpu0,
      note: `the controller process (default --qps/--burst); ${APPS} image patches included in its requests`,
    };
  } finally {
    await argo.stop();
    await proxy.stop();
  }
}

// ---------- the table ----------

function table(s: ToolResult, a: ToolResult, ms: ManyResult, ma: ManyResult | undefined): { text: string; ok: boolean } {
  const rows: [string, string, string, string, string][] = [];
  const ratio = (x: number, y: number) => (y > 0 && Number.isFinite(x) ? `${(x / y).toFixed(2)}x` : '-');
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const perStep = (r: ToolResult) => (r.step20Writes + r.afterPromoteWrites) / TRAFFIC_STEPS;
  const targets: boolean[] = [];
  const target = (ok: boolean, text: string) => {
    targets.push(ok);
    return `${text}: ${ok ? 'met' : 'NOT met'}`;
  };
  rows.push(['routing writes, step 20% (start → paused)', String(s.step20Writes), String(a.step20Writes), ratio(s.step20Writes, a.step20Writes), 'info']);
  rows.push(['routing writes, promote → done (50%, 100%, stable)', String(s.afterPromoteWrites), String(a.afterPromoteWrites), ratio(s.afterPromoteWrites, a.afterPromoteWrites), 'info']);
  rows.push(['routing writes per traffic step', f(perStep(s), 2), f(perStep(a), 2), ratio(perStep(s), perStep(a)), target(perStep(s) <= perStep(a), '≤ Argo')]);
  rows.push(['routing states seen by the bench (of 4)', String(s.routingStates), String(a.routingStates), '', 'info']);
  rows.push(['promote → routing write (from the command)', `${f(s.promoteToWriteMs)} ms`, `${f(a.promoteToWriteMs)} ms`, ratio(s.promoteToWriteMs, a.promoteToWriteMs), 'info']);
  if (a.promoteToWriteFromApiMs !== undefined) rows.push(['promote → routing write (Argo: from the accepted patch)', '', `${f(a.promoteToWriteFromApiMs)} ms`, '', 'info']);
  rows.push(['abort → stable at 100% (from the command)', `${f(s.abortToStableMs)} ms`, `${f(a.abortToStableMs)} ms`, ratio(s.abortToStableMs, a.abortToStableMs), target(s.abortToStableMs <= a.abortToStableMs, '≤ Argo')]);
  if (a.abortToStableFromApiMs !== undefined) rows.push(['abort → stable at 100% (Argo: from the accepted patch)', '', `${f(a.abortToStableFromApiMs)} ms`, '', 'info']);
  rows.push(['abort: routing writes', String(s.abortRoutingWrites), String(a.abortRoutingWrites), '', 'info']);
  if (s.abortFirstRequestMs !== undefined) rows.push(['abort: command start → its first API answer', `${f(s.abortFirstRequestMs)} ms`, '', '', 'info']);
  if (s.abortApiMs !== undefined) rows.push(['abort: API time of the CLI (simulator: 8 ms)', `${f(s.abortApiMs)} ms`, '', '', 'info']);
  rows.push(['API requests, both releases (no watches)', String(s.counts.requests), String(a.counts.requests), ratio(s.counts.requests, a.counts.requests), 'info']);
  rows.push(['  of which writes', String(s.counts.writes), String(a.counts.writes), ratio(s.counts.writes, a.counts.writes), 'info']);
  rows.push(['  watches opened', String(s.counts.watches), String(a.counts.watches), '', 'info']);
  rows.push(['CPU seconds, both releases', f(s.cpuSeconds, 2), f(a.cpuSeconds, 2), ratio(s.cpuSeconds, a.cpuSeconds), target(s.cpuSeconds <= 0.5 * a.cpuSeconds, '≤ 0.5x Argo')]);
  if (a.idleCpuPerMinute !== undefined) rows.push(['CPU seconds per minute waiting at the pause', '0 (no process)', f(a.idleCpuPerMinute, 3), '', 'info']);
  rows.push(['peak memory (MiB)', f(s.peakMiB), f(a.peakMiB), ratio(s.peakMiB, a.peakMiB), 'info']);
  const m = (label: string, x: (r: ManyResult) => string) => rows.push([`${APPS} apps at once: ${label}`, x(ms), ma ? x(ma) : 'skipped', '', 'info']);
  m('completed', (r) => `${r.completed}/${APPS}`);
  m('wall time', (r) => `${r.wallS.toFixed(1)} s`);
  m('API requests (no watches)', (r) => String(r.counts.requests));
  m('writes / routing writes', (r) => `${r.counts.writes} / ${r.counts.routingWrites}`);
  m('409 conflicts', (r) => String(r.counts.conflicts));
  m('CPU seconds', (r) => r.cpuSeconds.toFixed(2));
  if (ms.completed !== APPS) targets.push(false);
  const head: [string, string, string, string, string] = ['metric', 'shardship', a.tool, 'ratio', 'target'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const lines = [fmt(head), '-'.repeat(fmt(head).length), ...rows.map(fmt)];
  lines.push('', `shardship CPU: ${s.cpuNote}; Argo CPU: ${a.cpuNote}.`, `${APPS} apps: shardship ${ms.note}${ma ? `; Argo ${ma.note}` : ''}.`);
  lines.push('Simulator figures of the old bench: 1 routing write per step, 8 ms abort API time.');
  return { text: lines.join('\n'), ok: targets.every(Boolean) };
}

// ---------- main ----------

const before = readState();
const wasRunning = before ? await healthy(before) : false;
const [bin, plane] = await Promise.all([buildArgo(), sharedControlPlane()]);
const dir = tempDir('bench-release');
const observer = connectCluster({ kubeconfigPath: plane.kubeconfigPath, backoffMs: 50 });
const rollouts = rolloutsClient(plane.kubeconfigPath);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
log(`Kubernetes ${plane.kubeVersion} at ${plane.url}; Argo Rollouts ${ARGO_VERSION} (${bin}); load ${load}`);
try {
  await installArgoCrds(plane);
  log('shardship: one app, two releases (promote, abort)');
  const s = await benchShardship(plane, observer, dir);
  log('argo: one app, two releases (promote, abort)');
  const a = await benchArgo(plane, observer, rollouts, dir, bin);
  log(`shardship: ${APPS} apps at once`);
  const ms = await manyShardship(plane, dir);
  let ma: ManyResult | undefined;
  if (ARGO_MANY) {
    log(`argo: ${APPS} apps at once`);
    ma = await manyArgo(plane, rollouts, dir, bin);
  }
  const t = table(s, a, ms, ma);
  const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(`\nshardship vs Argo Rollouts ${ARGO_VERSION} on Kubernetes ${plane.kubeVersion} (test bed), ${new Date().toISOString()}, load ${load} → ${loadAfter}\n`);
  process.stdout.write(`canary on Istio: setWeight 20 → pause (held ${HOLD_MS} ms) → 50 → 100, ${REPLICAS} replicas; CLI --poll ${POLL}\n\n${t.text}\n`);
  process.exitCode = t.ok ? 0 : 1;
} finally {
  for (const ns of ['bench-shardship', 'bench-argo', 'bench-shardship-many', 'bench-argo-many']) await kubectlRun(plane, ['delete', 'namespace', `${ns}-${suffix}`, '--wait=false', '--ignore-not-found']);
  removeDir(dir);
  if (!wasRunning) await stopSharedControlPlane();
}
