// `npm run bench:release`: the release engine on the kube simulator.
//  1. API writes per traffic step (target: exactly 1 write to the routing object);
//  2. time from `abort` to stable at 100% (target: one routing write, < 200 ms of API time);
//  3. 100 apps released concurrently (wall time, API calls).
// Prints a table of measured values against their targets.
import { startKubeSim, type KubeSim } from '../../test/support/kube-sim/index.js';
import { connectCluster } from '../../pipeline/kube/client.js';
import { ReleaseConfig } from '../../pipeline/config/release.js';
import { abortRelease, promoteRelease, startRelease, type ReleaseOptions } from '../../pipeline/release/index.js';

const NS = 'bench';
const APPS = Number(process.env.BENCH_APPS ?? 100);

interface Row {
  metric: string;
  measured: string;
  target: string;
  ok: boolean;
}

function writesSince(sim: KubeSim, from: number, part?: string): number {
  return sim
    .stats()
    .requests.slice(from)
    .filter((r) => ['create', 'update', 'patch', 'delete'].includes(r.verb) && r.status < 300 && (part === undefined || r.path.includes(part))).length;
}

function opts(sim: KubeSim, config: ReleaseConfig, app: string): ReleaseOptions {
  return { cluster: connectCluster({ kubeconfigPath: sim.kubeconfigPath }), config, app, env: { USER: 'bench' }, pollMs: 25, timeoutMs: 300_000 };
}

async function trafficSteps(sim: KubeSim, rows: Row[]): Promise<void> {
  for (const [router, part] of [
    [{ istio: {} }, '/virtualservices/'],
    [{ gatewayApi: {} }, '/httproutes/'],
  ] as const) {
    const name = `steps-${Object.keys(router)[0]!.toLowerCase()}`;
    const config = ReleaseConfig.parse({
      namespace: NS,
      apps: { [name]: { replicas: 4, router, strategy: { canary: { steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }, { setWeight: 75 }, { pause: {} }] } } } },
    });
    const o = opts(sim, config, name);
    await startRelease({ ...o, image: `${name}:1` });
    const routing: number[] = [];
    const total: number[] = [];
    let from = sim.stats().requests.length;
    await startRelease({ ...o, image: `${name}:2` });
    for (let step = 0; step < 4; step++) {
      routing.push(writesSince(sim, from, `${part}${name}`));
      total.push(writesSince(sim, from));
      from = sim.stats().requests.length;
      if (step < 3) await promoteRelease(o);
    }
    const max = Math.max(...routing);
    const min = Math.min(...routing);
    rows.push({
      metric: `${Object.keys(router)[0]}: routing-object writes per traffic step`,
      measured: min === max ? String(max) : `${min}..${max}`,
      target: '1',
      ok: min === 1 && max === 1,
    });
    rows.push({
      metric: `${Object.keys(router)[0]}: all API writes per traffic step (canary scale + state)`,
      measured: `${(total.reduce((a, b) => a + b, 0) / total.length).toFixed(1)}`,
      target: 'info',
      ok: true,
    });
  }
}

async function abortTiming(sim: KubeSim, rows: Row[]): Promise<void> {
  const samples: { wallMs: number; apiMs: number; routingWrites: number; toStableMs: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const app = `abort-${i}`;
    const config = ReleaseConfig.parse({ namespace: NS, apps: { [app]: { replicas: 4, router: { istio: {} }, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } } } } });
    await startRelease({ ...opts(sim, config, app), image: `${app}:1` });
    await startRelease({ ...opts(sim, config, app), image: `${app}:2` });
    const o = opts(sim, config, app); // a fresh adapter: its counters cover the abort only
    const from = sim.stats().requests.length;
    const t0 = Date.now();
    const r = await abortRelease(o);
    const wallMs = Date.now() - t0;
    const write = sim
      .stats()
      .requests.slice(from)
      .find((q) => q.verb === 'patch' && q.path.includes(`/virtualservices/${app}`));
    const stableOnly = sim.route({ namespace: NS, host: app }).every((x) => x.deployment === `${app}-stable`);
    if (r.phase !== 'Aborted' || !stableOnly || !write) throw new Error(`abort of ${app} did not put stable at 100%`);
    samples.push({ wallMs, apiMs: o.cluster.stats.apiMs, routingWrites: writesSince(sim, from, `/virtualservices/${app}`), toStableMs: write.at - t0 });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const apiMs = median(samples.map((s) => s.apiMs));
  rows.push({ metric: 'abort: routing writes to put stable at 100%', measured: String(Math.max(...samples.map((s) => s.routingWrites))), target: '1', ok: samples.every((s) => s.routingWrites === 1) });
  rows.push({ metric: 'abort: API time of the whole abort (median of 5)', measured: `${apiMs.toFixed(0)} ms`, target: '< 200 ms', ok: apiMs < 200 });
  rows.push({ metric: 'abort: from command to the routing write (median)', measured: `${median(samples.map((s) => s.toStableMs)).toFixed(0)} ms`, target: 'info', ok: true });
  rows.push({ metric: 'abort: command wall time (median)', measured: `${median(samples.map((s) => s.wallMs)).toFixed(0)} ms`, target: 'info', ok: true });
}

async function manyApps(sim: KubeSim, rows: Row[]): Promise<void> {
  const apps = Array.from({ length: APPS }, (_, i) => `app-${String(i).padStart(3, '0')}`);
  const config = ReleaseConfig.parse({
    namespace: NS,
    apps: Object.fromEntries(apps.map((a) => [a, { replicas: 2, router: { istio: {} }, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '200ms' } }] } } }])),
  });
  const cluster = connectCluster({ kubeconfigPath: sim.kubeconfigPath });
  const base = (app: string): ReleaseOptions => ({ cluster, config, app, env: { USER: 'bench' }, pollMs: 100, timeoutMs: 600_000 });
  await Promise.all(apps.map((a) => startRelease({ ...base(a), image: `${a}:1` })));
  sim.resetStats();
  const t0 = Date.now();
  const results = await Promise.all(apps.map((a) => startRelease({ ...base(a), image: `${a}:2` })));
  const wall = Date.now() - t0;
  const s = sim.stats();
  const done = results.filter((r) => r.phase === 'Completed').length;
  const vsWrites = s.requests.filter((r) => r.verb === 'patch' && r.path.includes('/virtualservices/')).length;
  rows.push({ metric: `${APPS} apps released concurrently: completed`, measured: `${done}/${APPS}`, target: `${APPS}/${APPS}`, ok: done === APPS });
  rows.push({ metric: `${APPS} apps: wall time`, measured: `${(wall / 1000).toFixed(1)} s`, target: 'info', ok: true });
  rows.push({ metric: `${APPS} apps: API calls (reads / writes)`, measured: `${s.reads} / ${s.writes}`, target: 'info', ok: true });
  rows.push({ metric: `${APPS} apps: routing writes per app (50% then 100%)`, measured: (vsWrites / APPS).toFixed(2), target: '2', ok: vsWrites === 2 * APPS });
}

const sim = await startKubeSim({ readyDelayMs: 50, namespaces: [NS] });
const rows: Row[] = [];
try {
  await trafficSteps(sim, rows);
  await abortTiming(sim, rows);
  await manyApps(sim, rows);
} finally {
  await sim.stop();
}
const w = Math.max(...rows.map((r) => r.metric.length));
const line = `${'metric'.padEnd(w)}  ${'measured'.padStart(14)}  ${'target'.padStart(10)}  ok`;
process.stdout.write(`\nshardship release on the kube simulator (${new Date().toISOString()})\n${line}\n${'-'.repeat(line.length)}\n`);
for (const r of rows) process.stdout.write(`${r.metric.padEnd(w)}  ${r.measured.padStart(14)}  ${r.target.padStart(10)}  ${r.target === 'info' ? '' : r.ok ? 'yes' : 'NO'}\n`);
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
